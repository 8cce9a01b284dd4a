//! `kubeward` binary: parse arguments, run, exit.

// Parsing allocates many short-lived buffers per document on every thread: mimalloc's
// thread-local free lists cost a fraction of glibc malloc's (see the Performance section of
// the README for the measurement).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(kubeward::run(std::env::args_os()))
}
