//! Computed zones, kept for the process in a small least-recently-used cache: the tz
//! data is compiled in, so a zone never changes while the process runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::zone_data::ZoneData;

/// Zones kept at once; computing one that is not costs about a millisecond.
pub(crate) const CACHED_ZONES: usize = 128;

struct Lru {
    entries: HashMap<chrono_tz::Tz, (Arc<ZoneData>, u64)>,
    clock: u64,
}

fn cache() -> &'static Mutex<Lru> {
    static CACHE: OnceLock<Mutex<Lru>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(Lru {
            entries: HashMap::new(),
            clock: 0,
        })
    })
}

/// The zone's data, computed on first use.
pub(crate) fn zone_data(tz: chrono_tz::Tz) -> Arc<ZoneData> {
    if let Some(found) = lookup(tz) {
        return found;
    }
    // Computed outside the lock; two requests for the same new zone may both compute it.
    let computed = Arc::new(ZoneData::compute(tz));
    let mut lru = cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    lru.clock += 1;
    let now = lru.clock;
    if lru.entries.len() >= CACHED_ZONES && !lru.entries.contains_key(&tz) {
        let oldest = lru
            .entries
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(zone, _)| *zone);
        if let Some(oldest) = oldest {
            lru.entries.remove(&oldest);
        }
    }
    lru.entries.insert(tz, (computed.clone(), now));
    computed
}

fn lookup(tz: chrono_tz::Tz) -> Option<Arc<ZoneData>> {
    let mut lru = cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    lru.clock += 1;
    let now = lru.clock;
    let (data, used) = lru.entries.get_mut(&tz)?;
    *used = now;
    Some(data.clone())
}
