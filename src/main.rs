use std::process::ExitCode;

fn main() -> ExitCode {
    komply::cli::main()
}
