//! One PROPFIND response: the properties a request asks for, found or not, looked up in
//! constant time each.

use std::collections::HashMap;

use crate::dav::{KnownProp, PropName, PropValue, PropfindRequest, Response as DavResponse};

/// Answers what `request` asks of a resource with these live and dead properties: found
/// ones in a 200 propstat, the rest in a 404 propstat. Each requested name is looked up
/// in constant time (among the server's few live properties, and through a map among
/// the dead ones, which clients add), so an answer costs time linear in the names asked
/// and the properties held.
pub(super) fn answer(
    href: String,
    live: &[(KnownProp, PropValue)],
    dead: &[(PropName, PropValue)],
    request: &PropfindRequest,
) -> DavResponse {
    let mut response = DavResponse::with_props(href);
    let find = PropertyIndex::new(live, dead);
    match request {
        PropfindRequest::PropName => {
            for (name, _) in live {
                response.found(name.name(), PropValue::Empty);
            }
            for (name, _) in dead {
                response.found(name.clone(), PropValue::Empty);
            }
        }
        PropfindRequest::AllProp { include } => {
            for (name, value) in live {
                response.found(name.name(), value.clone());
            }
            for (name, value) in dead {
                response.found(name.clone(), value.clone());
            }
            for extra in include {
                if find.get(extra).is_none() {
                    response.not_found(extra.clone());
                }
            }
        }
        PropfindRequest::Prop(names) => {
            for wanted in names {
                match find.get(wanted) {
                    Some(value) => response.found(wanted.clone(), value.clone()),
                    None => response.not_found(wanted.clone()),
                };
            }
        }
    }
    response
}

/// A resource's properties by name.
struct PropertyIndex<'a> {
    /// A resource has a few of them, fixed by the server.
    live: &'a [(KnownProp, PropValue)],
    dead: &'a [(PropName, PropValue)],
    /// `dead` by name, when it is long enough for a map to pay.
    dead_by_name: Option<HashMap<&'a PropName, &'a PropValue>>,
}

impl<'a> PropertyIndex<'a> {
    /// Dead properties up to this many are searched in order.
    const SCAN: usize = 8;

    fn new(live: &'a [(KnownProp, PropValue)], dead: &'a [(PropName, PropValue)]) -> Self {
        let dead_by_name = (dead.len() > Self::SCAN).then(|| {
            let mut map = HashMap::with_capacity(dead.len());
            for (name, value) in dead {
                map.entry(name).or_insert(value);
            }
            map
        });
        PropertyIndex {
            live,
            dead,
            dead_by_name,
        }
    }

    fn get(&self, wanted: &PropName) -> Option<&'a PropValue> {
        if let Some(known) = KnownProp::from_name(wanted) {
            if let Some((_, value)) = self.live.iter().find(|(k, _)| *k == known) {
                return Some(value);
            }
        }
        match &self.dead_by_name {
            Some(map) => map.get(wanted).copied(),
            None => self
                .dead
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, value)| value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dav::{Namespace, ResponseBody};

    fn statuses(response: &DavResponse) -> Vec<(u16, Vec<(String, PropValue)>)> {
        let ResponseBody::Propstats(propstats) = &response.body else {
            panic!("expected propstats");
        };
        propstats
            .iter()
            .map(|p| {
                let props = p
                    .props
                    .iter()
                    .map(|p| (p.name.local.clone(), p.value.clone()))
                    .collect();
                (p.status.as_u16(), props)
            })
            .collect()
    }

    #[test]
    fn names_are_answered_from_many_dead_properties() {
        let ns = Namespace::Other("urn:x".into());
        let mut dead: Vec<(PropName, PropValue)> = (0..1_000)
            .map(|n| {
                (
                    PropName::new(ns.clone(), format!("p{n}")),
                    PropValue::Text(format!("v{n}")),
                )
            })
            .collect();
        // A repeated name answers with its first value, as a search in order would.
        dead.push((
            PropName::new(ns.clone(), "p7"),
            PropValue::Text("later".into()),
        ));
        let live = [(KnownProp::DisplayName, PropValue::Text("Cal".into()))];
        let request = PropfindRequest::Prop(vec![
            PropName::new(ns.clone(), "p999"),
            KnownProp::DisplayName.name(),
            PropName::new(ns.clone(), "p7"),
            PropName::new(ns, "missing"),
            KnownProp::GetEtag.name(),
        ]);
        let response = answer("/c/".into(), &live, &dead, &request);
        assert_eq!(
            statuses(&response),
            vec![
                (
                    200,
                    vec![
                        ("p999".into(), PropValue::Text("v999".into())),
                        ("displayname".into(), PropValue::Text("Cal".into())),
                        ("p7".into(), PropValue::Text("v7".into())),
                    ]
                ),
                (
                    404,
                    vec![
                        ("missing".into(), PropValue::Empty),
                        ("getetag".into(), PropValue::Empty),
                    ]
                ),
            ]
        );
    }
}
