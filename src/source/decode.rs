//! Bytes to text. Spans and columns refer to the decoded text; a file that does not decode cleanly is
//! reported rather than silently mangled.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{DecoderResult, Encoding};

/// True when the first 8 KiB hold a NUL byte and no UTF-16 byte-order mark explains it.
pub fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    bytes[..bytes.len().min(8192)].contains(&0)
}

/// Decodes with `forced` if given, else by byte-order mark, else as UTF-8, else as the legacy encoding the
/// detector finds (GB18030/GBK or Big5: exports from Chinese Windows tools are often GBK).
///
/// Valid UTF-8 (pure ASCII included) never goes to the detector, so short files cannot be misread. Any byte
/// that does not decode is an error naming its offset and line: a mangled text would hide violations.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Result<String, String> {
    if let Some(enc) = forced {
        // A BOM of the forced encoding itself is not text.
        let bytes = match Encoding::for_bom(bytes) {
            Some((bom_enc, len)) if bom_enc == enc => &bytes[len..],
            _ => bytes,
        };
        return strict(enc, bytes);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return strict(enc, &bytes[bom_len..]);
    }
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_string()),
        Err(e) => e,
    };
    if mostly_utf8(bytes) {
        // A UTF-8 file with a damaged byte: read as GB18030 it would turn into plausible-looking mojibake.
        let at = utf8_error.valid_up_to();
        return Err(format!(
            "not valid UTF-8: invalid byte at offset {at} (line {})",
            bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1
        ));
    }
    match detect_legacy(bytes) {
        Some(enc) => strict(enc, bytes).map_err(|e| format!("{e} (detected; pass --encoding to name it)")),
        None => Err(format!(
            "not valid UTF-8 (invalid byte at offset {}), and {}; pass --encoding to name the encoding",
            utf8_error.valid_up_to(),
            strict(encoding_rs::GB18030, bytes)
                .err()
                .unwrap_or_else(|| "not recognisably GB18030 or Big5".into())
        )),
    }
}

/// The legacy Chinese encoding `bytes` are most likely in, if any. GBK is read as GB18030, its superset.
/// Other guesses of the detector (windows-1252, Shift_JIS ...) are not trusted: single-byte encodings decode
/// anything, so a wrong guess would silently turn the text into mojibake.
pub fn detect_legacy(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, Utf8Detection::Deny);
    if guess == encoding_rs::GBK || guess == encoding_rs::GB18030 {
        return Some(encoding_rs::GB18030);
    }
    if guess == encoding_rs::BIG5 {
        return Some(encoding_rs::BIG5);
    }
    // Very short GBK text (one or two characters) looks like anything to the detector. Accept it as GB18030
    // only if every non-ASCII pair lies in the GB2312 block of common characters: Latin-1 accents followed by
    // ASCII letters ("naïve façade") never do.
    only_gb2312_pairs(bytes).then_some(encoding_rs::GB18030)
}

/// True when most non-ASCII text is valid UTF-8. GBK text almost never forms valid UTF-8 sequences (a
/// character does by accident a few times in a hundred), so a file with more valid multi-byte UTF-8
/// characters than invalid bytes is UTF-8 with damage, not GBK.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += chunk.invalid().len();
    }
    valid > invalid
}

fn only_gb2312_pairs(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(&t) if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&t) => i += 2,
            _ => return false,
        }
    }
    true
}

fn strict(enc: &'static Encoding, bytes: &[u8]) -> Result<String, String> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut text = String::with_capacity(cap);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => {
            let at = read.saturating_sub(after as usize + bad as usize);
            Err(format!(
                "does not decode as {}: invalid bytes at offset {at} (line {})",
                enc.name(),
                text.matches('\n').count() + 1
            ))
        }
        DecoderResult::OutputFull => Err(format!("does not decode as {}", enc.name())),
    }
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

    fn gb18030(s: &str) -> Vec<u8> {
        encoding_rs::GB18030.encode(s).0.into_owned()
    }

    #[test]
    fn gb18030_is_detected() {
        let text = "家人们晚上好，这款面霜是全网最好的，今天直播间只要九十九元。";
        assert_eq!(decode(&gb18030(text), None).unwrap(), text);
        // Short text too.
        for s in ["最好", "好", "卖", "3号链接", "SC12345好"] {
            assert_eq!(decode(&gb18030(s), None).unwrap(), s);
        }
    }

    #[test]
    fn big5_is_detected() {
        let text = "家人們晚上好，這款精華是全網最好的，今天直播間只要九十九元，庫存不多了。";
        let bytes = encoding_rs::BIG5.encode(text).0.into_owned();
        assert_eq!(decode(&bytes, None).unwrap(), text);
    }

    #[test]
    fn utf8_and_ascii_never_go_to_the_detector() {
        for s in ["a", "ok", "最", "Ã©", "abc def 123"] {
            assert_eq!(decode(s.as_bytes(), None).unwrap(), s);
        }
    }

    #[test]
    fn utf16_be_and_forced_encodings() {
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("全网".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be, None).unwrap(), "全网");
        let forced = decode(b"\xEF\xBB\xBFabc", Some(encoding_rs::UTF_8)).unwrap();
        assert_eq!(forced, "abc");
        assert_eq!(decode(&gb18030("最好"), by_label("gbk")).unwrap(), "最好");
    }

    #[test]
    fn undecodable_bytes_are_an_error_with_their_place() {
        let mut bytes = gb18030("第一行\n最好");
        bytes.push(0x81); // a lead byte with nothing after it
        let e = decode(&bytes, Some(encoding_rs::GB18030)).unwrap_err();
        assert!(e.contains("offset 11") && e.contains("line 2"), "{e}");
        let mut mid = gb18030("最");
        mid.extend([0x81, b' ']);
        mid.extend(gb18030("好"));
        let e = decode(&mid, Some(encoding_rs::GB18030)).unwrap_err();
        assert!(e.contains("offset 2 (line 1)"), "{e}");
        // UTF-8 with one byte lost is an error, not GB18030 mojibake.
        let mut damaged = "第一行\n家人们晚上好，这款面霜是全网最好的"
            .as_bytes()
            .to_vec();
        damaged.remove(20);
        let e = decode(&damaged, None).unwrap_err();
        assert!(
            e.starts_with("not valid UTF-8: invalid byte at offset 19 (line 2)"),
            "{e}"
        );
        for latin1 in ["café au lait", "naïve façade", "résumé"] {
            let bytes = encoding_rs::WINDOWS_1252.encode(latin1).0.into_owned();
            let e = decode(&bytes, None).unwrap_err();
            assert!(e.contains("--encoding"), "{latin1}: {e}");
        }
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"abc\0def"));
        assert!(!looks_binary(b"plain text"));
    }
}
