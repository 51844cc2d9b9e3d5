// mimalloc: schema compilation and YAML trees make many small allocations; it cut the cold
// one-file lint time measurably (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    komply::cli::main()
}
