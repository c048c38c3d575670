//! A TopoJSON reader for the boundaries shipped with the receiver: quantized,
//! delta-encoded arcs shared between polygons, decoded into rings of (longitude,
//! latitude) points (RFC 7946 order, as the TopoJSON specification defines it).

use serde_json::Value;
use thiserror::Error;

/// Why a topology cannot be read.
#[derive(Debug, Error, PartialEq)]
pub enum TopoError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// JSON, but not the topology expected (what is missing or wrong).
    #[error("not a usable TopoJSON topology: {0}")]
    Shape(&'static str),
}

/// One polygon: its outer ring, then its holes; each ring a list of points.
pub type Polygon = Vec<Vec<(f64, f64)>>;

/// One feature of the topology.
#[derive(Debug, Clone)]
pub struct Feature {
    /// geoBoundaries' `shapeID`.
    pub shape_id: String,
    /// geoBoundaries' `shapeName`.
    pub name: String,
    /// Its polygons.
    pub polygons: Vec<Polygon>,
}

fn points(arc: &Value, scale: (f64, f64), translate: (f64, f64)) -> Option<Vec<(f64, f64)>> {
    let mut x = 0.0;
    let mut y = 0.0;
    arc.as_array()?
        .iter()
        .map(|p| {
            let p = p.as_array()?;
            x += p.first()?.as_f64()?;
            y += p.get(1)?.as_f64()?;
            Some((x * scale.0 + translate.0, y * scale.1 + translate.1))
        })
        .collect()
}

/// The ring made of the arcs `indices` (a negative index `~i` is arc `i` reversed).
fn ring(indices: &Value, arcs: &[Vec<(f64, f64)>]) -> Option<Vec<(f64, f64)>> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for i in indices.as_array()? {
        let i = i.as_i64()?;
        let (index, reversed) = if i < 0 { (!i, true) } else { (i, false) };
        let arc = arcs.get(usize::try_from(index).ok()?)?;
        let mut pts = arc.clone();
        if reversed {
            pts.reverse();
        }
        // Consecutive arcs share their joining point.
        if !out.is_empty() {
            pts.remove(0);
        }
        out.extend(pts);
    }
    (out.len() >= 4).then_some(out)
}

fn polygon(rings: &Value, arcs: &[Vec<(f64, f64)>]) -> Option<Polygon> {
    rings.as_array()?.iter().map(|r| ring(r, arcs)).collect()
}

/// The features of the first object of the topology in `text`.
pub fn read(text: &str) -> Result<Vec<Feature>, TopoError> {
    let topo: Value = serde_json::from_str(text).map_err(|e| TopoError::Json(e.to_string()))?;
    let pair =
        |v: &Value| -> Option<(f64, f64)> { Some((v.get(0)?.as_f64()?, v.get(1)?.as_f64()?)) };
    let transform = topo
        .get("transform")
        .ok_or(TopoError::Shape("no transform"))?;
    let scale = transform
        .get("scale")
        .and_then(pair)
        .ok_or(TopoError::Shape("no transform scale"))?;
    let translate = transform
        .get("translate")
        .and_then(pair)
        .ok_or(TopoError::Shape("no transform translate"))?;
    let arcs: Vec<Vec<(f64, f64)>> = topo
        .get("arcs")
        .and_then(Value::as_array)
        .ok_or(TopoError::Shape("no arcs"))?
        .iter()
        .map(|a| points(a, scale, translate))
        .collect::<Option<_>>()
        .ok_or(TopoError::Shape("an arc is not a list of points"))?;
    let object = topo
        .get("objects")
        .and_then(Value::as_object)
        .and_then(|o| o.values().next())
        .ok_or(TopoError::Shape("no object"))?;
    let geometries = object
        .get("geometries")
        .and_then(Value::as_array)
        .ok_or(TopoError::Shape("no geometries"))?;
    geometries
        .iter()
        .map(|g| {
            let text = |k: &str| {
                g.pointer(&format!("/properties/{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let arcs_of = g
                .get("arcs")
                .ok_or(TopoError::Shape("a geometry has no arcs"))?;
            let polygons = match g.get("type").and_then(Value::as_str) {
                Some("Polygon") => polygon(arcs_of, &arcs).map(|p| vec![p]),
                Some("MultiPolygon") => arcs_of
                    .as_array()
                    .and_then(|ps| ps.iter().map(|p| polygon(p, &arcs)).collect()),
                _ => return Err(TopoError::Shape("a geometry is not a polygon")),
            }
            .ok_or(TopoError::Shape("a polygon refers to a missing arc"))?;
            Ok(Feature {
                shape_id: text("shapeID"),
                name: text("shapeName"),
                polygons,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arcs_are_decoded_shared_and_reversed() {
        // Two squares sharing the arc 0 (from (1,0) to (1,1)).
        let text = r#"{"type":"Topology","transform":{"scale":[1,1],"translate":[10,20]},
          "arcs":[[[1,0],[0,1]], [[1,1],[-1,0],[0,-1],[1,0]], [[1,0],[1,0],[0,1],[-1,0]]],
          "objects":{"o":{"type":"GeometryCollection","geometries":[
            {"type":"Polygon","arcs":[[0,1]],"properties":{"shapeID":"A","shapeName":"West"}},
            {"type":"Polygon","arcs":[[2,-1]],"properties":{"shapeID":"B","shapeName":"East"}}]}}}"#;
        let f = read(text).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0].polygons[0][0],
            [
                (11.0, 20.0),
                (11.0, 21.0),
                (10.0, 21.0),
                (10.0, 20.0),
                (11.0, 20.0)
            ]
        );
        assert_eq!(
            f[1].polygons[0][0],
            [
                (11.0, 20.0),
                (12.0, 20.0),
                (12.0, 21.0),
                (11.0, 21.0),
                (11.0, 20.0)
            ]
        );
        assert_eq!((f[1].shape_id.as_str(), f[1].name.as_str()), ("B", "East"));
    }

    #[test]
    fn a_damaged_topology_is_refused_with_what_is_wrong() {
        assert!(matches!(read("{"), Err(TopoError::Json(_))));
        assert_eq!(read("{}").unwrap_err(), TopoError::Shape("no transform"));
        let missing_arc = r#"{"transform":{"scale":[1,1],"translate":[0,0]},"arcs":[],
          "objects":{"o":{"geometries":[{"type":"Polygon","arcs":[[3]]}]}}}"#;
        assert_eq!(
            read(missing_arc).unwrap_err(),
            TopoError::Shape("a polygon refers to a missing arc")
        );
    }
}
