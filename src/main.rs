//! `kubeward` binary: parse arguments, run, exit.

// Parsing allocates many short-lived buffers per document on every thread: mimalloc's
// thread-local free lists cost a fraction of glibc malloc's. Built with `no_thp` (huge pages
// made the kernel zero 2 MB for every arena growth). Measurements: README, Performance.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(kubeward::run_and_exit(std::env::args_os()))
}
