//! The sessions of one surface by id. Ids are 16 random bytes in lower-case hex; the most recent
//! session is remembered for the faults that serve requests without a valid session id.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub(super) type Shared<T> = Arc<Mutex<T>>;

pub(super) struct Registry<T> {
    inner: Mutex<Inner<T>>,
}

struct Inner<T> {
    sessions: HashMap<String, Shared<T>>,
    latest: Option<String>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            inner: Mutex::new(Inner {
                sessions: HashMap::new(),
                latest: None,
            }),
        }
    }
}

impl<T> Registry<T> {
    /// Registers a session under a new random id.
    pub(super) fn create(&self, session: T) -> (String, Shared<T>) {
        self.create_as(new_id(), session)
    }

    /// Registers a session under `id`.
    pub(super) fn create_as(&self, id: String, session: T) -> (String, Shared<T>) {
        let session = Arc::new(Mutex::new(session));
        let mut inner = lock(&self.inner);
        inner.sessions.insert(id.clone(), session.clone());
        inner.latest = Some(id.clone());
        (id, session)
    }

    pub(super) fn get(&self, id: &str) -> Option<Shared<T>> {
        lock(&self.inner).sessions.get(id).cloned()
    }

    /// Removes the session; it is returned if it existed.
    pub(super) fn remove(&self, id: &str) -> Option<Shared<T>> {
        lock(&self.inner).sessions.remove(id)
    }

    /// The most recently created session that still exists, with its id.
    pub(super) fn latest(&self) -> Option<(String, Shared<T>)> {
        let inner = lock(&self.inner);
        let id = inner.latest.clone()?;
        let session = inner.sessions.get(&id)?.clone();
        Some((id, session))
    }
}

/// Locks a mutex; a panic elsewhere while it was held does not make it unusable.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
