//! The limits of one render: its wall time and how much it may print.

use std::time::Duration;

/// How long a render may run and how much it may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall time of one render.
    pub timeout: Duration,
    /// Bytes a render may print (standard output and error together).
    pub max_output: u64,
}

/// The default wall time of one render.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default output cap of one render.
pub const DEFAULT_MAX_OUTPUT: u64 = 64 * 1024 * 1024;
/// The largest wall time a configuration file may ask for (a flag may ask for more).
pub const CONFIG_MAX_TIMEOUT: u64 = 600;
/// The largest output cap a configuration file may ask for (a flag may ask for more).
pub const CONFIG_MAX_OUTPUT: u64 = 1024 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }
}

/// A size for messages (`64 MB`, `512 kB`, `100 bytes`).
pub fn show_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} kB", n >> 10),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(crate::cli::parse_size("64MB"), Ok(64 << 20));
        assert_eq!(crate::cli::parse_size("512k"), Ok(512 << 10));
        assert_eq!(crate::cli::parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(crate::cli::parse_size("100"), Ok(100));
        assert!(crate::cli::parse_size("0").is_err());
        assert!(crate::cli::parse_size("12 parsecs").is_err());
        assert!(crate::cli::parse_size("99999999999G").is_err());
        assert_eq!(show_size(64 << 20), "64 MB");
        assert_eq!(show_size(1000), "1000 bytes");
    }
}
