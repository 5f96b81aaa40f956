//! Request-scoped batch loading in waves.
//!
//! Resolvers ask the [`Batcher`] for keys and wait. Nothing is loaded while
//! the request can still make progress; when every resolver of the request is
//! waiting, and no load is in flight, all keys asked for so far are loaded at
//! once: one batch per kind of key, run concurrently. This is the "wave".
//!
//! Unlike a timer-based data loader, the batches do not depend on how fast
//! the server happens to resolve a level, so the number of statements a
//! request makes is a function of the query alone: the same for 10 rows or
//! 10,000, on a fast machine or a slow one. Results are cached for the rest of
//! the request, so a record asked for twice is loaded once; pages are not
//! (see [`Batcher::load_unkept`]): a page asked for again in a later wave
//! joins that wave's batch, which runs in any case.
//!
//! Loads run as tasks of their own, so that a wave's batches run in
//! parallel. They belong to their request all the same: when the request is
//! dropped (it timed out, or the client went away), its loads still running
//! are aborted, and the connections they hold go back to the pool.

use std::any::{Any, TypeId};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use async_graphql::futures_util::future::BoxFuture;
use tokio::sync::oneshot;

/// The largest number of keys one statement is given; larger batches are split.
const MAX_BATCH: usize = 5_000;

type Reply<V> = oneshot::Sender<Result<Option<V>, async_graphql::Error>>;

/// The answers to a batch of keys; a key without an answer is absent.
/// (foldhash rather than std's SipHash: batch keys such as a page's are
/// hashed on every insert and lookup, and SipHash showed in profiles.)
pub type Found<K, V> = foldhash::HashMap<K, V>;

/// Answers batches of keys of one kind, in as few statements as it can.
pub trait Loader<K>: Send + Sync + 'static {
    /// The answer for one key.
    type Value: Send + Sync + Clone + 'static;

    /// Answers `keys`, all at once.
    fn load(&self, keys: &[K]) -> impl Future<Output = Result<Found<K, Self::Value>, async_graphql::Error>> + Send;
}

/// Keys of one kind: waiting for the next wave, in flight, or answered.
/// (foldhash: a request hashes each key several times, and std's SipHash
/// showed in profiles of nested queries; foldhash is seeded per process.)
struct Queue<K, V> {
    waiting: foldhash::HashMap<K, Vec<Reply<V>>>,
    in_flight: foldhash::HashMap<K, Vec<Reply<V>>>,
    answered: foldhash::HashMap<K, Option<V>>,
    /// Whether answers are kept in `answered` for the rest of the request.
    keeps_answers: bool,
}

impl<K, V> Queue<K, V> {
    fn new(keeps_answers: bool) -> Self {
        Queue {
            waiting: Default::default(),
            in_flight: Default::default(),
            answered: Default::default(),
            keeps_answers,
        }
    }
}

/// A queue with its key and value types erased, so that queues of every kind
/// live in one map.
trait AnyQueue<L>: Send {
    fn as_any(&mut self) -> &mut dyn Any;
    /// Moves the waiting keys in flight and returns the loads that answer them.
    fn start(
        &mut self,
        loader: &Arc<L>,
        state: &Arc<Mutex<State<L>>>,
        observer: Option<&BatchObserver>,
    ) -> Vec<BoxFuture<'static, ()>>;
}

struct State<L> {
    queues: foldhash::HashMap<TypeId, Box<dyn AnyQueue<L>>>,
    loads_in_flight: usize,
    /// Wakes the request when a load finishes.
    request: Option<Waker>,
}

/// Told the kind of key and the number of keys of every batched load.
pub type BatchObserver = Arc<dyn Fn(&str, usize) + Send + Sync>;

/// A kind of key by its type's name, without module paths: `ById<Defender>`.
fn key_kind<K>() -> String {
    let mut kind = String::new();
    let mut segment = String::new();
    for c in std::any::type_name::<K>().chars() {
        if matches!(c, '<' | '>' | ',' | ' ' | '(' | ')') {
            kind.push_str(segment.rsplit("::").next().unwrap_or_default());
            kind.push(c);
            segment.clear();
        } else {
            segment.push(c);
        }
    }
    kind.push_str(segment.rsplit("::").next().unwrap_or_default());
    kind
}

/// Loads keys for one request, in waves.
pub struct Batcher<L> {
    loader: Arc<L>,
    state: Arc<Mutex<State<L>>>,
    observer: Option<BatchObserver>,
}

fn lock<L>(state: &Mutex<State<L>>) -> MutexGuard<'_, State<L>> {
    // A panic while holding the lock leaves only plain maps behind; carry on.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<L: Send + Sync + 'static> Batcher<L> {
    pub fn new(loader: L) -> Self {
        Batcher {
            loader: Arc::new(loader),
            state: Arc::new(Mutex::new(State { queues: Default::default(), loads_in_flight: 0, request: None })),
            observer: None,
        }
    }

    /// Tells `observer` of every batched load.
    pub fn observed_by(mut self, observer: BatchObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Loads the value for one key, batched with every other key asked for
    /// before the request next waits. The answer is kept for the rest of the
    /// request.
    pub async fn load_one<K>(&self, key: K) -> Result<Option<L::Value>, async_graphql::Error>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        self.load(key, true).await
    }

    /// Like [`Batcher::load_one`], but the answer goes to the resolvers
    /// waiting for it and is not kept: for large values seldom asked for
    /// twice, such as pages, which would otherwise be copied for the cache.
    /// Keys of one type must always be loaded the same way.
    pub async fn load_unkept<K>(&self, key: K) -> Result<Option<L::Value>, async_graphql::Error>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        self.load(key, false).await
    }

    async fn load<K>(&self, key: K, keep_answer: bool) -> Result<Option<L::Value>, async_graphql::Error>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        let receiver = {
            let mut state = lock(&self.state);
            let queue = state
                .queues
                .entry(TypeId::of::<K>())
                .or_insert_with(|| Box::new(Queue::<K, L::Value>::new(keep_answer)))
                .as_any()
                .downcast_mut::<Queue<K, L::Value>>()
                .expect("queues are keyed by their key type");
            debug_assert_eq!(queue.keeps_answers, keep_answer, "keys of one type are loaded one way");
            if let Some(value) = queue.answered.get(&key) {
                return Ok(value.clone());
            }
            let (sender, receiver) = oneshot::channel();
            match queue.in_flight.get_mut(&key) {
                Some(replies) => replies.push(sender),
                None => queue.waiting.entry(key).or_default().push(sender),
            }
            receiver
        };
        receiver.await.unwrap_or_else(|_| {
            Err(crate::error::AppError::Internal(anyhow::anyhow!("a batch load was dropped before it answered")).into())
        })
    }

    /// Loads the values for several keys in the same wave.
    pub async fn load_many<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<Found<K, L::Value>, async_graphql::Error>
    where
        L: Loader<K>,
        K: Send + Sync + Hash + Eq + Clone + 'static,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let values =
            async_graphql::futures_util::future::try_join_all(keys.iter().cloned().map(|k| self.load_one(k))).await?;
        Ok(keys.into_iter().zip(values).filter_map(|(k, v)| v.map(|v| (k, v))).collect())
    }

    /// Runs `request`, starting a wave of loads whenever it is waiting on
    /// nothing else.
    pub fn drive<F: Future>(&self, request: F) -> Driven<tokio::task::Unconstrained<F>, L> {
        // Tokio's cooperative budget would make the request yield with a wake
        // deferred until after this poll, which the driver cannot see; a
        // request that looks idle must really be waiting on its loads.
        Driven {
            request: Box::pin(tokio::task::unconstrained(request)),
            loader: self.loader.clone(),
            state: self.state.clone(),
            observer: self.observer.clone(),
            waker: None,
            loads: Vec::new(),
        }
    }
}

impl<K, V, L> AnyQueue<L> for Queue<K, V>
where
    L: Loader<K, Value = V>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
{
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }

    fn start(
        &mut self,
        loader: &Arc<L>,
        state: &Arc<Mutex<State<L>>>,
        observer: Option<&BatchObserver>,
    ) -> Vec<BoxFuture<'static, ()>> {
        if self.waiting.is_empty() {
            return Vec::new();
        }
        let keys: Vec<K> = self.waiting.keys().cloned().collect();
        self.in_flight.extend(self.waiting.drain());
        keys.chunks(MAX_BATCH)
            .map(|chunk| {
                if let Some(observe) = observer {
                    observe(&key_kind::<K>(), chunk.len());
                }
                let (loader, state, chunk) = (loader.clone(), state.clone(), chunk.to_vec());
                let load: BoxFuture<'static, ()> = Box::pin(async move {
                    let mut result = loader.load(&chunk).await;
                    let mut state = lock(&state);
                    let queue = state
                        .queues
                        .get_mut(&TypeId::of::<K>())
                        .and_then(|q| q.as_any().downcast_mut::<Queue<K, V>>())
                        .expect("a queue outlives its loads");
                    for key in chunk {
                        // Moved out of the batch's result: values can be whole
                        // pages of records. A copy is made per waiting resolver
                        // but one, and one for the cache if answers are kept.
                        let value = match &mut result {
                            Ok(found) => Ok(found.remove(&key)),
                            Err(error) => Err(error.clone()),
                        };
                        let mut replies = queue.in_flight.remove(&key).unwrap_or_default();
                        let last = if queue.keeps_answers { None } else { replies.pop() };
                        for reply in replies {
                            let _ = reply.send(value.clone());
                        }
                        match (last, value) {
                            (Some(last), value) => {
                                let _ = last.send(value);
                            }
                            (None, Ok(value)) => {
                                queue.answered.insert(key, value);
                            }
                            (None, Err(_)) => {}
                        }
                    }
                });
                load
            })
            .collect()
    }
}

/// A request future driven together with its batch loads.
pub struct Driven<F, L> {
    request: Pin<Box<F>>,
    loader: Arc<L>,
    state: Arc<Mutex<State<L>>>,
    observer: Option<BatchObserver>,
    waker: Option<Arc<CountingWaker>>,
    /// The request's load tasks, aborted if the request is dropped first.
    loads: Vec<tokio::task::AbortHandle>,
}

impl<F, L> Drop for Driven<F, L> {
    fn drop(&mut self) {
        // Aborting a finished task does nothing.
        for load in &self.loads {
            load.abort();
        }
    }
}

/// The one waker the request's futures are given. It counts every wake, from
/// whichever future and thread, so the driver can tell whether anything in
/// the request became ready while it looked.
struct CountingWaker {
    wakes: AtomicU64,
    task: Mutex<Waker>,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).wake_by_ref();
    }
}

impl<F: Future, L: Send + Sync + 'static> Future for Driven<F, L> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let counting = this
            .waker
            .get_or_insert_with(|| {
                Arc::new(CountingWaker { wakes: AtomicU64::new(0), task: Mutex::new(cx.waker().clone()) })
            })
            .clone();
        {
            let mut task = counting.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !task.will_wake(cx.waker()) {
                *task = cx.waker().clone();
            }
        }
        let wakes_before = counting.wakes.load(Ordering::SeqCst);
        let waker = Waker::from(counting.clone());
        if let Poll::Ready(output) = this.request.as_mut().poll(&mut Context::from_waker(&waker)) {
            return Poll::Ready(output);
        }
        let mut state = lock(&this.state);
        state.request = Some(cx.waker().clone());
        // Loads answer before they count themselves out, so once none is in
        // flight, every wake their answers caused shows in the count below.
        if state.loads_in_flight > 0 || counting.wakes.load(Ordering::SeqCst) != wakes_before {
            // Not idle yet: more keys may come in this wave.
            return Poll::Pending;
        }
        let mut loads = Vec::new();
        for queue in state.queues.values_mut() {
            loads.extend(queue.start(&this.loader, &this.state, this.observer.as_ref()));
        }
        state.loads_in_flight += loads.len();
        drop(state);
        // Tasks of earlier waves have finished: a wave starts only when none
        // is in flight.
        this.loads.clear();
        for load in loads {
            let finished = LoadFinished(this.state.clone());
            let task = tokio::spawn(async move {
                load.await;
                drop(finished);
            });
            this.loads.push(task.abort_handle());
        }
        Poll::Pending
    }
}

/// Counts a load out and wakes the request when the load ends, even if it
/// ended by panicking, so that the request never waits forever.
struct LoadFinished<L>(Arc<Mutex<State<L>>>);

impl<L> Drop for LoadFinished<L> {
    fn drop(&mut self) {
        let mut state = lock(&self.0);
        state.loads_in_flight -= 1;
        if let Some(request) = state.request.take() {
            request.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use async_graphql::futures_util::future::join;

    use super::*;

    /// A key of one kind: a number.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Number(u32);

    /// A key of another kind, whose loads always fail.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Broken(u32);

    /// A key whose load never ends, holding a stand-in for a database
    /// connection while it runs.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Slow(u32);

    /// Answers numbers with their double and records every batch it is
    /// given, as one statement each.
    #[derive(Default)]
    struct Recorder {
        batches: Mutex<Vec<(&'static str, Vec<u32>)>>,
        /// Slow loads running now.
        connections: Arc<AtomicUsize>,
    }

    impl Recorder {
        fn record(&self, kind: &'static str, keys: impl Iterator<Item = u32>) {
            let mut keys: Vec<u32> = keys.collect();
            keys.sort();
            self.batches.lock().unwrap().push((kind, keys));
        }

        fn batches(&self) -> Vec<(&'static str, Vec<u32>)> {
            let mut batches = self.batches.lock().unwrap().clone();
            batches.sort();
            batches
        }
    }

    impl Loader<Number> for Recorder {
        type Value = u32;

        async fn load(&self, keys: &[Number]) -> Result<Found<Number, u32>, async_graphql::Error> {
            self.record("number", keys.iter().map(|k| k.0));
            // An odd number has no answer.
            Ok(keys.iter().filter(|k| k.0 % 2 == 0).map(|k| (k.clone(), k.0 * 2)).collect())
        }
    }

    impl Loader<Broken> for Recorder {
        type Value = u32;

        async fn load(&self, keys: &[Broken]) -> Result<Found<Broken, u32>, async_graphql::Error> {
            self.record("broken", keys.iter().map(|k| k.0));
            Err(async_graphql::Error::new("this load fails"))
        }
    }

    /// Counts itself out when dropped, like a connection going back to its pool.
    struct Held(Arc<AtomicUsize>);

    impl Drop for Held {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl Loader<Slow> for Recorder {
        type Value = u32;

        async fn load(&self, keys: &[Slow]) -> Result<Found<Slow, u32>, async_graphql::Error> {
            self.record("slow", keys.iter().map(|k| k.0));
            self.connections.fetch_add(1, Ordering::SeqCst);
            let _held = Held(self.connections.clone());
            std::future::pending::<()>().await;
            unreachable!("a pending future never ends")
        }
    }

    fn batcher() -> Arc<Batcher<Recorder>> {
        Arc::new(Batcher::new(Recorder::default()))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_asked_for_together_load_in_one_batch_per_kind() {
        let batcher = batcher();
        let b = batcher.clone();
        let (numbers, more) = batcher
            .drive(async move {
                let numbers = b.load_many([Number(1), Number(2), Number(4)]);
                let more = async {
                    // Asked for after yielding: still the same wave, since
                    // the request was not yet waiting on loads alone.
                    tokio::task::yield_now().await;
                    b.load_one(Number(6)).await
                };
                let (numbers, more) = join(numbers, more).await;
                (numbers.unwrap(), more.unwrap())
            })
            .await;
        assert_eq!(numbers.get(&Number(2)), Some(&4));
        assert_eq!(numbers.get(&Number(1)), None, "a key without an answer is absent");
        assert_eq!(more, Some(12));
        assert_eq!(batcher.loader.batches(), vec![("number", vec![1, 2, 4, 6])], "one statement for the wave");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_that_depend_on_answers_load_in_the_next_wave_and_answers_are_kept() {
        let batcher = batcher();
        let b = batcher.clone();
        let answers = batcher
            .drive(async move {
                let first = b.load_one(Number(2)).await.unwrap().unwrap();
                let second = b.load_many([Number(first), Number(8)]).await.unwrap();
                // Asked for again: answered from the first wave, no statement.
                let again = b.load_one(Number(2)).await.unwrap();
                (first, second.len(), again)
            })
            .await;
        assert_eq!(answers, (4, 2, Some(4)));
        assert_eq!(batcher.loader.batches(), vec![("number", vec![2]), ("number", vec![4, 8])]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_load_fails_its_own_keys_only() {
        let batcher = batcher();
        let b = batcher.clone();
        let (number, broken) =
            batcher.drive(async move { join(b.load_one(Number(2)), b.load_one(Broken(3))).await }).await;
        assert_eq!(number.unwrap(), Some(4));
        assert_eq!(broken.unwrap_err().message, "this load fails");
        assert_eq!(
            batcher.loader.batches(),
            vec![("broken", vec![3]), ("number", vec![2])],
            "both kinds in one wave, one statement each"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_goes_away_takes_its_loads_with_it() {
        let batcher = batcher();
        let connections = batcher.loader.connections.clone();
        let b = batcher.clone();
        let mut request = batcher.drive(async move { join(b.load_one(Slow(1)), b.load_one(Number(2))).await });
        let timed_out = tokio::time::timeout(Duration::from_millis(200), &mut request).await;
        assert!(timed_out.is_err(), "the slow load never answers");
        assert_eq!(batcher.loader.batches(), vec![("number", vec![2]), ("slow", vec![1])]);
        assert_eq!(connections.load(Ordering::SeqCst), 1, "the slow load holds a connection");
        drop(request);
        // The request is dropped; its slow load must let go of its connection.
        for _ in 0..100 {
            if connections.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("a load of a dropped request still holds {} connection(s)", connections.load(Ordering::SeqCst));
    }
}
