//! The `davgate` command line: serve, migrate, provisioning, config explain.

pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
