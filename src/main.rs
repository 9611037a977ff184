fn main() -> std::process::ExitCode {
    davgate::cli::main()
}
