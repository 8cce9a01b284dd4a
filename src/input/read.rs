//! Reading an input: its bytes up to the size cap, binary content refused from the first block.

use super::source::{Input, InputSource};

/// Bytes read from the start of a file to recognise binary content before reading the rest.
pub(crate) const FIRST_BLOCK: usize = 8192;

/// Why an input's bytes are not parsed (besides an I/O error).
pub(crate) enum Refused {
    /// Larger than the size cap: this many bytes, when known before reading.
    TooLarge(Option<u64>),
    /// A NUL byte in the first block.
    Binary,
    /// Invalid UTF-8 in the first block: the block.
    NotUtf8(Vec<u8>),
}

/// Binary content in the first block of a file: a NUL byte, or UTF-8 that is invalid before the
/// block's end (a character cut by the block's end is not).
pub(crate) fn refuse_first_block(block: &[u8]) -> Option<Refused> {
    let block = &block[..block.len().min(FIRST_BLOCK)];
    if memchr::memchr(0, block).is_some() {
        return Some(Refused::Binary);
    }
    match std::str::from_utf8(block) {
        Err(e) if e.error_len().is_some() => Some(Refused::NotUtf8(block.to_vec())),
        _ => None,
    }
}

/// The bytes of an input, up to `cap`. A file larger than the cap by its metadata is refused
/// without being opened for reading, one that turns out larger while it is read (a file that
/// grows, a device) once the cap is passed; binary content is recognised in the first block,
/// before the rest is read. Standard input and rendered streams were read up to the cap
/// (`discover`, `render`) and are checked the same way.
pub(crate) fn read(input: &Input, cap: u64) -> Result<Result<Vec<u8>, Refused>, std::io::Error> {
    use std::io::Read;
    let in_memory = |b: &[u8]| {
        if b.len() as u64 > cap {
            return Err(Refused::TooLarge(None));
        }
        refuse_first_block(b).map_or_else(|| Ok(b.to_vec()), Err)
    };
    let p = match &input.source {
        InputSource::Path(p) => p,
        InputSource::Bytes(b) => return Ok(in_memory(b)),
        InputSource::Rendered(r) => return Ok(in_memory(r.text.as_bytes())),
    };
    let file = std::fs::File::open(p)?;
    let len = file.metadata()?.len();
    if len > cap {
        return Ok(Err(Refused::TooLarge(Some(len))));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len.saturating_add(1)).unwrap_or(0));
    let mut limited = file.take(cap.saturating_add(1));
    (&mut limited)
        .take(FIRST_BLOCK as u64)
        .read_to_end(&mut bytes)?;
    if let Some(refused) = refuse_first_block(&bytes) {
        return Ok(Err(refused));
    }
    limited.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Ok(Err(Refused::TooLarge(None)));
    }
    Ok(Ok(bytes))
}

/// The default size cap of a file: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;
