//! The coordinator map: Mali's cercles and communes as SVG paths, drawn by the receiver
//! from the boundaries it ships (`assets/boundaries/`, geoBoundaries gbOpen MLI, CC BY 4.0,
//! linked to the 2021 P-codes by `pcode_match.csv`). No tile, no request leaves the
//! receiver. Read once, projected once; a page picks the areas it shows and the view box.
//!
//! What cannot be drawn (see the boundaries' README): the 2016 and 2023 regions,
//! Taoudénit, and 153 communes without a 2021 code (drawn without data or link).
//! The four 2021 cercles of Ménaka have no polygon of their own: each is drawn with its
//! one commune.

pub mod topo;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use thiserror::Error;

/// What the map credits (CC BY 4.0 requires it).
pub const CREDIT: &str =
    "Boundaries: geoBoundaries (gbOpen MLI), source OCHA / DNCT Mali, CC BY 4.0";

/// Width of the whole country in SVG units.
pub const WIDTH: f64 = 800.0;

const ADM2: &str = include_str!("../../assets/boundaries/mli_adm2.topojson");
const ADM3: &str = include_str!("../../assets/boundaries/mli_adm3.topojson");
const MATCH: &str = include_str!("../../assets/boundaries/pcode_match.csv");

/// Why the boundaries cannot be used.
#[derive(Debug, Error)]
pub enum MapError {
    /// A topology is damaged.
    #[error("{file}: {error}")]
    Topology {
        /// Which file.
        file: &'static str,
        /// What is wrong.
        error: topo::TopoError,
    },
}

/// One drawn area.
#[derive(Debug, Clone)]
pub struct Area {
    /// Its 2021 P-code ("" for a commune without one).
    pub code: String,
    /// Its name as the boundaries spell it.
    pub name: String,
    /// The P-code it lies in: a cercle's region, a commune's cercle (known for every
    /// commune, with a code or not).
    pub parent: String,
    /// The SVG path (`d`), in the country's projection.
    pub path: String,
    /// Its bounding box in SVG units: min x, min y, max x, max y.
    pub bounds: [f64; 4],
}

/// The country's areas, projected.
#[derive(Debug)]
pub struct Atlas {
    /// The 2021 cercles (ML1001–ML1004 drawn with their commune).
    pub cercles: Vec<Area>,
    /// Communes, those without a 2021 code included (code "").
    pub communes: Vec<Area>,
}

/// The projection: longitude and latitude to SVG units, equirectangular at Mali's middle
/// latitude (north up).
struct Projection {
    west: f64,
    north: f64,
    k: f64,
    cos: f64,
}

impl Projection {
    fn of(features: &[topo::Feature]) -> Projection {
        let (mut west, mut east, mut south, mut north) = (180.0f64, -180.0f64, 90.0f64, -90.0f64);
        for p in features
            .iter()
            .flat_map(|f| &f.polygons)
            .flatten()
            .flatten()
        {
            west = west.min(p.0);
            east = east.max(p.0);
            south = south.min(p.1);
            north = north.max(p.1);
        }
        let cos = ((south + north) / 2.0).to_radians().cos();
        Projection {
            west,
            north,
            k: WIDTH / ((east - west) * cos).max(1e-9),
            cos,
        }
    }

    fn xy(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        (
            (lon - self.west) * self.cos * self.k,
            (self.north - lat) * self.k,
        )
    }
}

/// A number as short as SVG reads it: `0.4` as `.4`, `-0.4` as `-.4`.
fn short(v: f64, decimals: usize) -> String {
    let t = format!("{v:.decimals$}");
    let t = if decimals > 0 {
        t.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        t
    };
    match t.as_str() {
        "-0" | "" => "0".to_owned(),
        _ => t.replacen(
            "0.",
            ".",
            usize::from(t.starts_with("0.") || t.starts_with("-0.")),
        ),
    }
}

/// The path of `f` with coordinates rounded to `step` SVG units (points that round to the
/// one before are left out), relative moves after the first point of each ring, and its
/// bounds.
fn path(f: &topo::Feature, proj: &Projection, step: f64) -> (String, [f64; 4]) {
    let mut d = String::new();
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let decimals = usize::from(step < 1.0);
    for ring in f.polygons.iter().flatten() {
        let mut last: Option<(f64, f64)> = None;
        for p in ring {
            let (x, y) = proj.xy(*p);
            let q = ((x / step).round() * step, (y / step).round() * step);
            b = [b[0].min(q.0), b[1].min(q.1), b[2].max(q.0), b[3].max(q.1)];
            match last {
                None => {
                    let _ = write!(d, "M{} {}l", short(q.0, decimals), short(q.1, decimals));
                }
                Some(l) if (l.0 - q.0).abs() < step / 2.0 && (l.1 - q.1).abs() < step / 2.0 => {
                    continue
                }
                Some(l) => {
                    let (dx, dy) = (short(q.0 - l.0, decimals), short(q.1 - l.1, decimals));
                    if !d.ends_with('l') && !dx.starts_with('-') {
                        d.push(' ');
                    }
                    d.push_str(&dx);
                    if !dy.starts_with('-') {
                        d.push(' ');
                    }
                    d.push_str(&dy);
                }
            }
            last = Some(q);
        }
        d.push('z');
    }
    (d, b)
}

fn build() -> Result<Atlas, MapError> {
    // shapeID → (P-code, parent P-code).
    let matched: HashMap<&str, (&str, &str)> = MATCH
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut c = l.split(',');
            let (_, _, shape, code, _, parent) = (
                c.next()?,
                c.next()?,
                c.next()?,
                c.next()?,
                c.next()?,
                c.next()?,
            );
            Some((shape, (code, parent)))
        })
        .collect();
    let codes: HashMap<&str, &str> = matched
        .iter()
        .filter(|(_, (code, _))| !code.is_empty())
        .map(|(shape, (code, _))| (*shape, *code))
        .collect();
    let adm2 = topo::read(ADM2).map_err(|error| MapError::Topology {
        file: "mli_adm2.topojson",
        error,
    })?;
    let adm3 = topo::read(ADM3).map_err(|error| MapError::Topology {
        file: "mli_adm3.topojson",
        error,
    })?;
    let proj = Projection::of(&adm2);
    let area = |f: &topo::Feature, code: &str, step: f64| {
        let (path, bounds) = path(f, &proj, step);
        let parent = match code.len() {
            6 => &code[..4],
            8 => &code[..6],
            _ => matched.get(f.shape_id.as_str()).map_or("", |m| m.1),
        };
        Area {
            code: code.to_owned(),
            name: f.name.clone(),
            parent: parent.to_owned(),
            path,
            bounds,
        }
    };
    let mut cercles: Vec<Area> = adm2
        .iter()
        .filter_map(|f| {
            let code = *codes.get(f.shape_id.as_str())?;
            (code != "ML1001").then(|| area(f, code, 1.0))
        })
        .collect();
    let communes: Vec<Area> = adm3
        .iter()
        .map(|f| {
            let code = codes.get(f.shape_id.as_str()).copied().unwrap_or("");
            area(f, code, 0.2)
        })
        .collect();
    // Ménaka's four cercles, each one commune.
    for f in &adm3 {
        if let Some(code) = codes.get(f.shape_id.as_str()) {
            if code.starts_with("ML10") && code.ends_with("01") && code.len() == 8 {
                cercles.push(area(f, &code[..6], 1.0));
            }
        }
    }
    cercles.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Atlas { cercles, communes })
}

/// The atlas, built at the first call (a damaged file is an error every time).
pub fn atlas() -> Result<&'static Atlas, &'static MapError> {
    static ATLAS: OnceLock<Result<Atlas, MapError>> = OnceLock::new();
    ATLAS.get_or_init(build).as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_2021_cercle_is_drawn_once_with_its_code() {
        let a = atlas().unwrap();
        let known: Vec<String> = vigie_core::admin::regions()
            .iter()
            .flat_map(|r| vigie_core::admin::cercles(r.code))
            .map(|c| c.code.to_owned())
            .collect();
        let drawn: Vec<&str> = a.cercles.iter().map(|c| c.code.as_str()).collect();
        for code in &known {
            assert_eq!(
                drawn.iter().filter(|d| **d == code.as_str()).count(),
                1,
                "{code}"
            );
        }
        assert!(a.cercles.iter().all(|c| known.contains(&c.code)));
        assert!(a
            .cercles
            .iter()
            .all(|c| c.path.starts_with('M') && c.path.ends_with('z')));
        let height = a.cercles.iter().map(|c| c.bounds[3]).fold(0.0, f64::max);
        assert!(
            height > 600.0 && height < 900.0,
            "north up, in proportion: {height}"
        );
    }

    #[test]
    fn communes_with_a_code_are_drawn_and_the_others_kept_without_one() {
        let a = atlas().unwrap();
        assert_eq!(a.communes.len(), 701);
        assert_eq!(
            a.communes.iter().filter(|c| !c.code.is_empty()).count(),
            548
        );
        assert!(a
            .communes
            .iter()
            .filter(|c| !c.code.is_empty())
            .all(|c| vigie_core::admin::is_known(&c.code)));
        assert!(
            a.communes.iter().all(|c| c.parent.len() == 6),
            "every commune knows its cercle"
        );
    }

    #[test]
    fn the_country_map_is_small_enough_for_a_poor_link() {
        let a = atlas().unwrap();
        let bytes: usize = a.cercles.iter().map(|c| c.path.len()).sum();
        assert!(bytes < 60_000, "{bytes} bytes of cercle paths");
        assert_eq!(
            (
                short(0.4, 1),
                short(-0.4, 1),
                short(-0.0, 1),
                short(12.0, 1),
                short(-3.0, 0)
            ),
            (
                ".4".into(),
                "-.4".into(),
                "0".into(),
                "12".into(),
                "-3".into()
            )
        );
    }
}
