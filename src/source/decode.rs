//! Bytes to text. Spans and columns refer to the decoded text; a file that does not decode cleanly is
//! reported rather than silently mangled.

use encoding_rs::Encoding;

/// True when the first 8 KiB hold a NUL byte and no UTF-16 byte-order mark explains it.
pub fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// Decodes with a byte-order mark if there is one, else as UTF-8, else with `forced`.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Result<String, String> {
    if let Some(enc) = forced {
        return strict(enc, bytes);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return strict(enc, &bytes[bom_len..]);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(format!(
            "not valid UTF-8 (invalid byte at offset {}); pass --encoding to name the encoding",
            e.valid_up_to()
        )),
    }
}

fn strict(enc: &'static Encoding, bytes: &[u8]) -> Result<String, String> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(format!("does not decode as {} without errors", enc.name()));
    }
    Ok(text.into_owned())
}

/// Looks an encoding up by label (`utf-8`, `gb18030`, `gbk`, `utf-16le` ...).
pub fn by_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_utf8() {
        assert_eq!(decode(b"\xEF\xBB\xBFabc", None).unwrap(), "abc");
        assert_eq!(decode("最好".as_bytes(), None).unwrap(), "最好");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("最好".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&utf16, None).unwrap(), "最好");
        assert!(decode(b"\xFF\x00abc", None).is_err());
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"abc\0def"));
        assert!(!looks_binary(b"plain text"));
    }
}
