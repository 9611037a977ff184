/// How often the allocator is asked to give freed memory back to the kernel.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    give_back_freed_memory();
    davgate::cli::main()
}

/// glibc's malloc keeps what a request freed in the arena of the thread that freed it
/// and returns an arena's memory to the kernel only from its top, so after a large
/// response the process stays at its peak for good. `malloc_trim` releases the free
/// pages of every arena; a thread asks for it every few seconds.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back_freed_memory() {
    let spawned = std::thread::Builder::new()
        .name("malloc-trim".into())
        .spawn(|| loop {
            std::thread::sleep(TRIM_INTERVAL);
            // SAFETY: malloc_trim takes no pointers; it locks each arena while it works.
            unsafe {
                libc::malloc_trim(0);
            }
        });
    if let Err(error) = spawned {
        eprintln!("davgate: no thread to return freed memory: {error}");
    }
}
