//! One PROPFIND response: the properties a request asks for, found or not, looked up in
//! constant time each; and the members of a listing answered by a plan made once.

use std::collections::HashMap;

use super::member_template::Template;
use crate::dav::member::{MemberFacts, MEMBER_PROPS};
use crate::dav::{
    KnownProp, PropName, PropValue, PropfindRequest, Propstat, Response as DavResponse,
    ResponseBody,
};

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

/// How a listing answers each of its members (which have live properties only, and in
/// a report the member data it asks for), worked out once from the request instead of
/// once per member: which requested name is which member property. Gives the same
/// response as `answer` with the member's properties (and the data among them).
pub(super) struct MemberAnswer {
    names: Names,
    /// The property that carries the members' data (calendar-data, address-data) in a
    /// report that asks for it.
    data: Option<KnownProp>,
    /// The members' propstats as `written` writes them.
    template: Template,
}

enum Names {
    /// `prop`: the names in the request's order, each with the member property it is.
    Named(Vec<(PropName, Option<KnownProp>)>),
    /// `allprop` (with values) or `propname`: every member property, the data, then the
    /// `include`d names no member has, as not found.
    All {
        values: bool,
        missing: Vec<PropName>,
    },
}

impl MemberAnswer {
    /// The plan of a PROPFIND's listing.
    pub(super) fn new(request: &PropfindRequest) -> Self {
        Self::carrying(request, None)
    }

    /// The plan of a report whose members carry `data` (calendar-data, address-data)
    /// besides their live properties, when it asks for it.
    pub(super) fn carrying(request: &PropfindRequest, data: Option<KnownProp>) -> Self {
        let member_prop = |name: &PropName| {
            KnownProp::from_name(name)
                .filter(|known| MEMBER_PROPS.contains(known) || data == Some(*known))
        };
        let names = match request {
            PropfindRequest::Prop(names) => Names::Named(
                names
                    .iter()
                    .map(|name| (name.clone(), member_prop(name)))
                    .collect(),
            ),
            PropfindRequest::AllProp { include } => Names::All {
                values: true,
                missing: include
                    .iter()
                    .filter(|name| member_prop(name).is_none())
                    .cloned()
                    .collect(),
            },
            PropfindRequest::PropName => Names::All {
                values: false,
                missing: Vec::new(),
            },
        };
        let mut plan = MemberAnswer {
            names,
            data,
            template: Template::default(),
        };
        plan.template = Template::new(&plan.shape());
        plan
    }

    /// The propstats every member's answer has, as `response_with` makes them for a
    /// member with data: which properties have values, and how they are grouped.
    fn shape(&self) -> Vec<Propstat> {
        let any = MemberFacts {
            etag: "",
            size: 0,
            modified_at: 0,
            content_type: "",
        };
        let data = self.data.map(|_| PropValue::Text(String::new()));
        match self.response_with(String::new(), &any, data).body {
            ResponseBody::Propstats(propstats) => propstats,
            ResponseBody::Status(_) | ResponseBody::Written(_) => Vec::new(),
        }
    }

    /// The response for the member at `href` with `data` (the value of the property the
    /// plan was made `carrying`, when it was), its propstats written from the plan's
    /// template: the same bytes as `response_with` gives once written, but made in one
    /// piece. A response written so has no property added to it afterwards.
    pub(super) fn written(
        &self,
        href: String,
        member: &MemberFacts<'_>,
        data: Option<&str>,
    ) -> DavResponse {
        match (self.data, data) {
            (None, _) => DavResponse::written(href, self.template.write(member, None, "")),
            (Some(prop), Some(data)) => {
                DavResponse::written(href, self.template.write(member, Some(prop), data))
            }
            // The template has a place for data that did not come: the property is
            // answered not found, as `response_with` does.
            (Some(_), None) => self.response_with(href, member, None),
        }
    }

    /// The response for the member at `href`.
    pub(super) fn response(&self, href: String, member: &MemberFacts<'_>) -> DavResponse {
        self.response_with(href, member, None)
    }

    /// The response for the member at `href` with `data`, the value of the property the
    /// plan was made `carrying`, which moves into the response uncopied.
    pub(super) fn response_with(
        &self,
        href: String,
        member: &MemberFacts<'_>,
        mut data: Option<PropValue>,
    ) -> DavResponse {
        let mut response = DavResponse::with_props(href);
        match &self.names {
            Names::Named(names) => {
                for (name, prop) in names {
                    let value = match prop {
                        Some(prop) if self.data == Some(*prop) => data.take(),
                        Some(prop) => Some(member.value(*prop)),
                        None => None,
                    };
                    match value {
                        Some(value) => response.found(name.clone(), value),
                        None => response.not_found(name.clone()),
                    };
                }
            }
            Names::All { values, missing } => {
                for prop in MEMBER_PROPS {
                    let value = if *values {
                        member.value(prop)
                    } else {
                        PropValue::Empty
                    };
                    response.found(prop.name(), value);
                }
                if let (Some(name), Some(value)) = (self.data, data) {
                    response.found(name.name(), if *values { value } else { PropValue::Empty });
                }
                for name in missing {
                    response.not_found(name.clone());
                }
            }
        }
        response
    }
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
    use crate::dav::{MultistatusStream, Namespace};

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

    #[test]
    fn a_listing_plan_answers_members_as_the_general_answer_does() {
        use crate::dav::member::member_properties;
        let ns = Namespace::Other("urn:x".into());
        let facts = MemberFacts {
            etag: "v1",
            size: 1234,
            modified_at: 784_111_777,
            content_type: "text/calendar; charset=utf-8",
        };
        let requests = [
            PropfindRequest::Prop(vec![KnownProp::GetEtag.name()]),
            PropfindRequest::Prop(vec![
                PropName::new(ns.clone(), "x"),
                KnownProp::GetContentLength.name(),
                KnownProp::DisplayName.name(),
                KnownProp::GetEtag.name(),
                KnownProp::GetLastModified.name(),
                KnownProp::ResourceType.name(),
                KnownProp::GetContentType.name(),
            ]),
            PropfindRequest::AllProp {
                include: vec![KnownProp::GetEtag.name(), PropName::new(ns, "y")],
            },
            PropfindRequest::AllProp { include: vec![] },
            PropfindRequest::PropName,
        ];
        for request in &requests {
            let live = member_properties(
                facts.etag,
                facts.size,
                facts.modified_at,
                facts.content_type,
                request,
            );
            let general = answer("/c/1.ics".into(), &live, &[], request);
            let planned = MemberAnswer::new(request).response("/c/1.ics".into(), &facts);
            assert_eq!(planned, general, "{request:?}");
        }
        // A report's members carry their data as one more property, moved in.
        let data = PropValue::Text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into());
        let with_data = [
            PropfindRequest::Prop(vec![
                KnownProp::GetEtag.name(),
                KnownProp::CalendarData.name(),
                KnownProp::AddressData.name(),
            ]),
            PropfindRequest::Prop(vec![KnownProp::CalendarData.name()]),
            PropfindRequest::AllProp {
                include: vec![KnownProp::CalendarData.name()],
            },
            PropfindRequest::PropName,
        ];
        for request in requests.iter().chain(&with_data) {
            let mut live = member_properties(
                facts.etag,
                facts.size,
                facts.modified_at,
                facts.content_type,
                request,
            );
            live.push((KnownProp::CalendarData, data.clone()));
            let general = answer("/c/1.ics".into(), &live, &[], request);
            let planned = MemberAnswer::carrying(request, Some(KnownProp::CalendarData))
                .response_with("/c/1.ics".into(), &facts, Some(data.clone()));
            assert_eq!(planned, general, "with data: {request:?}");
        }
        // Written at once, a member is the same bytes as the general answer written.
        let written = |response: &DavResponse| {
            String::from_utf8(MultistatusStream::append_response(Vec::new(), response)).unwrap()
        };
        let odd = MemberFacts {
            etag: "a&b<c>",
            content_type: "text/x; q=\"<&>\"",
            ..facts
        };
        let text = "BEGIN:VCALENDAR\r\nSUMMARY:a < b & c > d\r\nEND:VCALENDAR\r\n";
        let two_namespaces = PropfindRequest::Prop(vec![
            PropName::new(Namespace::Other("urn:y".into()), "y"),
            KnownProp::GetEtag.name(),
            PropName::new(Namespace::Other("urn:x".into()), "x"),
            KnownProp::CalendarData.name(),
            PropName::new(Namespace::Other("urn:y".into()), "z"),
            KnownProp::GetLastModified.name(),
        ]);
        let empty = PropfindRequest::Prop(Vec::new());
        let all = requests
            .iter()
            .chain(&with_data)
            .chain([&two_namespaces, &empty]);
        for request in all {
            for member in [&facts, &odd] {
                let plain = MemberAnswer::new(request);
                assert_eq!(
                    written(&plain.written("/c/1.ics".into(), member, None)),
                    written(&plain.response("/c/1.ics".into(), member)),
                    "{request:?}"
                );
                for data in [Some(text), None] {
                    let carrying = MemberAnswer::carrying(request, Some(KnownProp::CalendarData));
                    let value = data.map(|d| PropValue::Text(d.into()));
                    assert_eq!(
                        written(&carrying.written("/c/1.ics".into(), member, data)),
                        written(&carrying.response_with("/c/1.ics".into(), member, value)),
                        "with data {data:?}: {request:?}"
                    );
                }
            }
        }
        let planned = MemberAnswer::new(&requests[1]).response("/c/1.ics".into(), &facts);
        // Propstats come in the order their status first occurs: `x` is asked first.
        let answered = statuses(&planned);
        assert_eq!(answered[1].0, 200);
        assert_eq!(
            answered[1].1[1],
            ("getetag".into(), PropValue::Text("\"v1\"".into()))
        );
        assert_eq!(
            answered[0],
            (
                404,
                vec![
                    ("x".into(), PropValue::Empty),
                    ("displayname".into(), PropValue::Empty)
                ]
            )
        );
    }
}
