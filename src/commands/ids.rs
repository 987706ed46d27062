//! A record's id, copied to the output of the commands that write chosen
//! posts (`sample`, `diff`): a CSV column, or a JSON field.

use anyhow::{bail, Result};

use crate::input::fields::{find_csv_column, JsonPath};
use crate::input::flatten::FlatField;
use crate::input::open::Opened;
use crate::input::presets::Preset;
use crate::pipeline::{Item, Raw};

/// Where a record's id is.
pub enum IdField {
    Column(usize),
    Json(FlatField),
    None,
}

impl IdField {
    /// The id field of `opened` inputs: `--id FIELD` (an error when a CSV
    /// header lacks it), else a column `id`, else for JSON the preset's id
    /// field or `id`.
    pub fn of(opened: &Opened, wanted: Option<&str>) -> Result<IdField> {
        Ok(match (&opened.header, opened.preset) {
            (Some(header), _) => {
                let names: Vec<String> = header
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let name = wanted.unwrap_or("id");
                match find_csv_column(&refs, name) {
                    Some(c) => IdField::Column(c),
                    None if wanted.is_some() => bail!(
                        "--id: the input has no column `{name}`; its columns are: {}",
                        names.join(", ")
                    ),
                    None => IdField::None,
                }
            }
            (None, preset) => IdField::Json(match wanted {
                Some(path) => FlatField::Path(path.to_string(), JsonPath::parse(path)),
                None => json_id(preset),
            }),
        })
    }

    /// Writes the id of `item` into `out` (empty when it has none).
    pub fn read(&self, item: &Item, out: &mut String) {
        out.clear();
        match (self, &item.raw, &item.value) {
            (IdField::Column(c), Raw::Csv(record), _) => out.push_str(record.get(*c).unwrap_or("")),
            (IdField::Json(f), _, Some(value)) => f.write(value, out),
            _ => {}
        }
    }
}

/// The id field of JSON records: the preset's, else `id`.
fn json_id(preset: Option<Preset>) -> FlatField {
    preset
        .and_then(|p| p.fields().iter().find(|m| m.name == "id"))
        .map(FlatField::Meta)
        .unwrap_or_else(|| FlatField::Path("id".to_string(), JsonPath::parse("id")))
}
