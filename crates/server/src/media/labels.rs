//! Labels for media: a QR code (SVG, made here with the `qrcode` crate) that opens the
//! medium's page in the UI, and a printable A4 sheet of labels (HTML with a print
//! stylesheet: 3 × 8 labels of 70 × 37 mm, the common sticker sheet).

use qrcode::QrCode;
use qrcode::render::svg;

use crate::error::ApiError;
use crate::media::MediumRow;

/// The address a medium's QR code opens.
pub fn medium_url(public_url: &str, id: i64) -> String {
    format!("{}/media/{id}", public_url.trim_end_matches('/'))
}

/// The QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    let code = QrCode::new(text.as_bytes()).map_err(|error| ApiError::internal(error.to_string()))?;
    Ok(code.render::<svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build())
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// The printable sheet for `media`, in order.
pub fn label_sheet(media: &[MediumRow], public_url: &str) -> Result<String, ApiError> {
    let mut cells = String::new();
    for medium in media {
        let svg = qr_svg(&medium_url(public_url, medium.id))?;
        // The SVG's XML declaration is not valid inside HTML.
        let svg = svg.find("<svg").map_or(svg.as_str(), |start| &svg[start..]).to_owned();
        let kind = match (medium.media_kind, medium.lto_generation) {
            (bms_types::media::MediaKind::Lto, Some(generation)) => format!("LTO-{generation}"),
            (kind, _) => kind.as_str().to_owned(),
        };
        cells.push_str(&format!(
            "<div class=\"label\"><div class=\"qr\">{svg}</div><div class=\"text\"><div class=\"name\">{}</div>\
             <div>{}</div><div>{}</div></div></div>\n",
            escape(&medium.label),
            escape(&kind),
            escape(medium.barcode.as_deref().unwrap_or("")),
        ));
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bms media labels</title>\n<style>\n\
         @page {{ size: A4; margin: 10mm 0 0 0; }}\n\
         body {{ margin: 0; font-family: sans-serif; }}\n\
         .sheet {{ display: grid; grid-template-columns: repeat(3, 70mm); grid-auto-rows: 37mm; width: 210mm; }}\n\
         .label {{ box-sizing: border-box; padding: 3mm; display: flex; gap: 2mm; align-items: center; \
         border: 0.2mm dashed #bbb; break-inside: avoid; overflow: hidden; }}\n\
         .qr svg {{ width: 30mm; height: 30mm; display: block; }}\n\
         .name {{ font-size: 14pt; font-weight: bold; font-family: monospace; }}\n\
         .text {{ font-size: 9pt; }}\n\
         @media print {{ .label {{ border-color: transparent; }} }}\n\
         </style></head><body><div class=\"sheet\">\n{cells}</div></body></html>\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_the_medium_page() {
        assert_eq!(medium_url("https://bms.example.com/", 42), "https://bms.example.com/media/42");
        let svg = qr_svg("https://bms.example.com/media/42").expect("svg");
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "has modules");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
