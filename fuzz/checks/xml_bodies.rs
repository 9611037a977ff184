//! Request bodies in XML: PROPFIND, PROPPATCH, REPORT (every kind), MKCOL and
//! MKCALENDAR. Each is parsed within the shipped bounds and within tight ones that small
//! inputs reach, and must then be refused with a reason or hold no more than the bounds
//! allow; what the server would write back about it must be well-formed XML again.

use davgate::content::card_query::AddressFilter;
use davgate::content::query::{CalendarDataRequest, CompSelection, TimeRange};
use davgate::dav::body_limits::MAX_DEPTH;
use davgate::dav::{
    parse_document_within, parse_mkcalendar_within, parse_mkcol_within, parse_report_within,
    BodyLimits, Budget, DeadValue, Element, ElementName, MkcolRequest, Multistatus, PropName,
    PropOperation, PropfindRequest, ProppatchRequest, ReportProps, ReportRequest, Response,
};

use super::has_reason;
use super::request_parts::check_reference;

/// Bounds small enough for inputs of a few hundred bytes to cross each one.
const TIGHT: BodyLimits = BodyLimits {
    max_elements: 40,
    max_attributes_per_element: 3,
    max_namespace_declarations: 4,
    max_properties: 3,
    max_hrefs: 2,
    max_filter_elements: 6,
};

fn budgets() -> [Budget; 2] {
    [Budget::new(super::limits().bodies), Budget::new(TIGHT)]
}

pub fn xml_propfind(data: &[u8]) {
    for budget in budgets() {
        check_document(data, &budget);
        match PropfindRequest::parse_within(data, &budget) {
            Ok(request) => check_propfind(&request, &budget.limits),
            Err(error) => has_reason(&error),
        }
    }
}

pub fn xml_proppatch(data: &[u8]) {
    for budget in budgets() {
        check_document(data, &budget);
        match ProppatchRequest::parse_within(data, &budget) {
            Ok(request) => {
                assert!(
                    !request.operations.is_empty(),
                    "a PROPPATCH without operations"
                );
                assert!(request.operations.len() <= budget.limits.max_properties);
                for operation in &request.operations {
                    match operation {
                        PropOperation::Set(name, value) => check_dead_value(name, value),
                        PropOperation::Remove(name) => answer_names(std::slice::from_ref(name)),
                    }
                }
            }
            Err(error) => has_reason(&error),
        }
    }
}

pub fn xml_report(data: &[u8]) {
    for budget in budgets() {
        check_document(data, &budget);
        match parse_report_within(data, &budget) {
            Ok(request) => check_report(&request, &budget.limits),
            Err(error) => {
                has_reason(&error);
                // A refused report is 4xx; the precondition, when there is one, says why.
                assert!(
                    error.status().is_client_error(),
                    "{error}: {}",
                    error.status()
                );
            }
        }
    }
}

pub fn xml_mkcol(data: &[u8]) {
    for budget in budgets() {
        check_document(data, &budget);
        for (calendar, parsed) in [
            (false, parse_mkcol_within(data, &budget)),
            (true, parse_mkcalendar_within(data, &budget)),
        ] {
            match parsed {
                Ok(request) => check_mkcol(&request, calendar, &budget.limits),
                Err(error) => has_reason(&error),
            }
        }
    }
}

/// The element tree of an accepted body stays within the bounds it was parsed with.
fn check_document(data: &[u8], budget: &Budget) {
    let root = match parse_document_within(data, budget) {
        Ok(Some(root)) => root,
        Ok(None) => return,
        Err(error) => return has_reason(&error),
    };
    let limits = &budget.limits;
    let mut elements = 0usize;
    let mut stack: Vec<(&Element, usize)> = vec![(&root, 1)];
    while let Some((element, depth)) = stack.pop() {
        elements += 1;
        assert!(depth <= MAX_DEPTH, "elements nested {depth} deep");
        assert!(element.attributes.len() <= limits.max_attributes_per_element);
        stack.extend(element.children.iter().map(|child| (child, depth + 1)));
    }
    assert!(
        elements <= limits.max_elements,
        "{elements} elements accepted"
    );
}

fn check_propfind(request: &PropfindRequest, limits: &BodyLimits) {
    let names = match request {
        PropfindRequest::Prop(names) => names,
        PropfindRequest::AllProp { include } => include,
        PropfindRequest::PropName => return,
    };
    assert!(
        names.len() <= limits.max_properties,
        "{} names",
        names.len()
    );
    for (at, name) in names.iter().enumerate() {
        assert!(!names[..at].contains(name), "{name} asked for twice");
    }
    answer_names(names);
}

/// A multistatus answering `names` as not found parses again and names each of them.
fn answer_names(names: &[PropName]) {
    let mut response = Response::with_props("/dav/x");
    for name in names {
        response.not_found(name.clone());
    }
    let written = Multistatus::new().push(response).to_xml();
    let props = answered_props(&written);
    for name in names {
        assert!(
            props.iter().any(|prop| prop.name == *name),
            "{name} is not in the answer {}",
            String::from_utf8_lossy(&written)
        );
    }
}

/// The property elements of a multistatus davgate wrote, which must be well-formed.
fn answered_props(written: &[u8]) -> Vec<Element> {
    let root = parse_document_within(written, &Budget::trusted())
        .unwrap_or_else(|error| {
            panic!(
                "the answer is not well-formed ({error}): {}",
                String::from_utf8_lossy(written)
            )
        })
        .expect("a multistatus");
    let dav = davgate::dav::Namespace::Dav;
    root.children_named(&dav, "response")
        .flat_map(|response| response.children_named(&dav, "propstat"))
        .flat_map(|propstat| propstat.children_named(&dav, "prop"))
        .flat_map(|prop| prop.children.iter().cloned())
        .collect()
}

/// A dead property set by a client is stored as text and read back as the same value,
/// and a PROPFIND answer carrying it is well-formed with the same character data.
fn check_dead_value(name: &PropName, value: &DeadValue) {
    if value.non_xml_char().is_some() {
        // Refused by PROPPATCH with a reason before anything is stored.
        return;
    }
    let stored = DeadValue::from_stored(value.xml()).unwrap_or_else(|error| {
        panic!("stored value {:?} does not read back: {error}", value.xml())
    });
    assert_eq!(&stored, value, "the value read back differs");
    let mut response = Response::with_props("/dav/x");
    response.found(name.clone(), value.to_prop_value());
    let written = Multistatus::new().push(response).to_xml();
    let props = answered_props(&written);
    let answered = props
        .iter()
        .find(|prop| prop.name == *name)
        .unwrap_or_else(|| panic!("{name} is not in the answer"));
    assert_eq!(
        DeadValue::from_element(answered).text(),
        value.text(),
        "the answer carries other text: {}",
        String::from_utf8_lossy(&written)
    );
}

fn check_report(request: &ReportRequest, limits: &BodyLimits) {
    match request {
        ReportRequest::CalendarMultiget { props, hrefs }
        | ReportRequest::AddressbookMultiget { props, hrefs } => {
            check_report_props(props, limits);
            assert!(hrefs.len() <= limits.max_hrefs, "{} hrefs", hrefs.len());
            for href in hrefs {
                check_reference(href);
            }
        }
        ReportRequest::CalendarQuery { props, filter, .. } => {
            check_report_props(props, limits);
            assert_eq!(filter.name, "VCALENDAR", "the filter's root");
            let mut elements = 0;
            let mut stack = vec![filter];
            while let Some(comp) = stack.pop() {
                elements += 1 + comp.prop_filters.len();
                for prop in &comp.prop_filters {
                    elements += prop.param_filters.len();
                    check_filter_range(prop.time_range.as_ref());
                }
                check_filter_range(comp.time_range.as_ref());
                stack.extend(comp.comp_filters.iter());
            }
            // The filter element itself holds the root comp-filter.
            assert!(
                elements <= limits.max_filter_elements,
                "{elements} filter elements"
            );
        }
        ReportRequest::SyncCollection { props, .. } => check_report_props(props, limits),
        ReportRequest::FreeBusyQuery { range } => {
            assert!(
                range.start.is_some() || range.end.is_some(),
                "an unbounded free-busy"
            );
            check_filter_range(Some(range));
        }
        ReportRequest::AddressbookQuery { props, filter, .. } => {
            check_report_props(props, limits);
            check_address_filter(filter, limits);
        }
        ReportRequest::PrincipalPropertySearch(search) => {
            check_report_props(&search.props, limits);
            assert!(
                !search.searches.is_empty(),
                "a search without property-search"
            );
            assert!(
                search.searches.len() <= limits.max_properties,
                "{} property-search elements",
                search.searches.len()
            );
            for one in &search.searches {
                assert!(!one.text.is_empty(), "an empty match");
                assert!(one.props.len() <= limits.max_properties);
            }
        }
        ReportRequest::PrincipalSearchPropertySet => {}
        ReportRequest::CalendarServerPrincipalSearch(search) => {
            check_report_props(&search.props, limits);
            assert!(!search.tokens.is_empty(), "a search without tokens");
            assert!(
                search.tokens.len() <= davgate::dav::report::MAX_SEARCH_TOKENS,
                "{} search tokens",
                search.tokens.len()
            );
            assert!(
                search.tokens.iter().all(|t| !t.is_empty()),
                "an empty token"
            );
        }
        ReportRequest::ExpandProperty(properties) => {
            let mut stack: Vec<(&davgate::dav::report::ExpandProperty, usize)> =
                properties.iter().map(|p| (p, 1)).collect();
            let mut count = 0;
            while let Some((property, depth)) = stack.pop() {
                count += 1;
                assert!(
                    depth <= davgate::dav::report::MAX_EXPAND_DEPTH,
                    "nested {depth} deep"
                );
                stack.extend(property.expand.iter().map(|p| (p, depth + 1)));
            }
            assert!(count <= limits.max_properties, "{count} properties");
        }
        ReportRequest::Unsupported(name) => answer_names(std::slice::from_ref(name)),
    }
}

fn check_report_props(props: &ReportProps, limits: &BodyLimits) {
    check_propfind(&props.request, limits);
    if let Some(data) = &props.calendar_data {
        check_calendar_data(data, limits);
    }
    if let Some(data) = &props.address_data {
        if let Some(names) = &data.props {
            assert!(names.len() <= limits.max_properties);
        }
    }
}

/// What a calendar-data element selects stays within the list bound, and its ranges
/// have both ends in order.
pub fn check_calendar_data(data: &CalendarDataRequest, limits: &BodyLimits) {
    for range in [
        &data.expand,
        &data.limit_recurrence_set,
        &data.limit_freebusy_set,
    ]
    .into_iter()
    .flatten()
    {
        assert!(range.start.is_some() && range.end.is_some(), "{range:?}");
        check_filter_range(Some(range));
    }
    let mut named = 0usize;
    let mut stack: Vec<&CompSelection> = data.comp.iter().collect();
    while let Some(comp) = stack.pop() {
        named += 1 + comp.props.as_ref().map_or(0, Vec::len);
        stack.extend(comp.comps.iter().flatten());
    }
    assert!(named <= limits.max_properties, "{named} selected names");
}

fn check_filter_range(range: Option<&TimeRange>) {
    if let Some(TimeRange {
        start: Some(start),
        end: Some(end),
    }) = range
    {
        assert!(
            start < end,
            "a time range that ends at {end} before it starts at {start}"
        );
    }
}

fn check_address_filter(filter: &AddressFilter, limits: &BodyLimits) {
    let elements: usize = filter
        .prop_filters
        .iter()
        .map(|prop| 1 + prop.text_matches.len() + prop.param_filters.len())
        .sum();
    assert!(
        elements <= limits.max_filter_elements,
        "{elements} filter elements"
    );
    for prop in &filter.prop_filters {
        assert!(!prop.name.is_empty(), "a prop-filter without a name");
    }
}

fn check_mkcol(request: &MkcolRequest, calendar: bool, limits: &BodyLimits) {
    assert!(request
        .resource_types
        .contains(&ElementName::dav("collection")));
    if calendar {
        assert!(request
            .resource_types
            .contains(&ElementName::caldav("calendar")));
    }
    assert!(
        request.props.len() <= limits.max_properties,
        "{} props",
        request.props.len()
    );
    for (name, value) in &request.props {
        assert!(!name.is(&davgate::dav::Namespace::Dav, "resourcetype"));
        check_dead_value(name, value);
    }
    if let Some(components) = request.supported_components() {
        for component in components {
            assert!(!component.is_empty());
            assert_eq!(component, component.to_ascii_uppercase());
        }
    }
}
