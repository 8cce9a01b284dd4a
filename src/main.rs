//! `kubeward` binary: parse arguments, run, exit.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(kubeward::run(std::env::args_os()))
}
