//! What runs the operations of one WebSocket connection: queries and
//! mutations as over HTTP, and `changes` subscriptions as a stream of
//! events read from the change feed (see `crate::graphql::changes::subscription`).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_graphql::futures_util::stream::{self, BoxStream, Stream, StreamExt};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Data, Request, Response};
use tokio::sync::mpsc;

use super::super::AppState;
use crate::error::code;
use crate::graphql::changes::Change;
use crate::graphql::changes::subscription::Stage;
use crate::graphql::common::context::RequestContext;
use crate::graphql::runtime::request_state::RequestState;
use crate::service::Viewer;
use crate::service::access::rate_limits::Client;
use crate::service::changes::{Position, feed};

/// The operations of one connection, run for its viewer.
#[derive(Clone)]
pub struct ConnectionExecutor(Arc<Connection>);

struct Connection {
    state: AppState,
    viewer: Viewer,
    client: Client,
}

impl ConnectionExecutor {
    pub fn new(state: AppState, viewer: Viewer, client: Client) -> Self {
        ConnectionExecutor(Arc::new(Connection { state, viewer, client }))
    }
}

impl Connection {
    fn request_state(&self) -> Arc<RequestState> {
        let shared = &self.state.0;
        Arc::new(RequestState::new(uuid::Uuid::now_v7().to_string(), self.client.clone(), shared.limiter.clone()))
    }

    /// A fresh context: loaders made for this request (or event) alone.
    fn context(&self) -> RequestContext {
        let shared = &self.state.0;
        let metrics = shared.metrics.clone();
        RequestContext::observed(
            shared.db.clone(),
            self.viewer.clone(),
            shared.countries.clone(),
            Arc::new(move |kind: &str, keys: usize| metrics.batch(kind, keys)),
        )
    }

    /// A query or mutation, as over HTTP.
    async fn run_once(&self, request: Request) -> Response {
        let shared = &self.state.0;
        let state = self.request_state();
        let context = self.context();
        let loader = context.loader.clone();
        let request = request.data(context).data(state.clone()).data(shared.feed.clone());
        let run = loader.drive(shared.executor.execute(request, &state));
        match tokio::time::timeout(shared.request_timeout, run).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![crate::graphql::runtime::limits::refusal(
                code::TIMEOUT,
                format!("The request ran longer than {} s and was stopped.", shared.request_timeout.as_secs()),
                None,
            )]),
        }
    }

    fn is_subscription(&self, request: &Request) -> bool {
        let Ok(document) = self.state.0.executor.parse(&request.query) else { return false };
        let subscription =
            |operation: &async_graphql::parser::types::OperationDefinition| operation.ty == OperationType::Subscription;
        match (&document.operations, request.operation_name.as_deref()) {
            (DocumentOperations::Single(operation), _) => subscription(&operation.node),
            (DocumentOperations::Multiple(operations), Some(name)) => {
                operations.get(name).is_some_and(|operation| subscription(&operation.node))
            }
            // One named operation, run without naming it.
            (DocumentOperations::Multiple(operations), None) => {
                operations.len() == 1 && operations.values().all(|operation| subscription(&operation.node))
            }
        }
    }
}

impl async_graphql::Executor for ConnectionExecutor {
    async fn execute(&self, request: Request) -> Response {
        self.0.run_once(request).await
    }

    fn execute_stream(&self, request: Request, _session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let connection = self.0.clone();
        if connection.is_subscription(&request) {
            Events::start(connection, request).boxed()
        } else {
            stream::once(async move { connection.run_once(request).await }).boxed()
        }
    }
}

/// The events of one subscription. They are made by a task of their own,
/// one at a time: the task waits until the client has taken the last one,
/// so that a slow client holds at most one event in memory. Dropping the
/// stream (the client completed it, or went away) ends the task.
struct Events {
    events: mpsc::Receiver<Response>,
    task: tokio::task::AbortHandle,
}

impl Events {
    fn start(connection: Arc<Connection>, request: Request) -> Events {
        let (sender, events) = mpsc::channel(1);
        let task = tokio::spawn(follow(connection, request, sender)).abort_handle();
        Events { events, task }
    }
}

impl Stream for Events {
    type Item = Response;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Response>> {
        self.events.poll_recv(cx)
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens the subscription, then sends each change the viewer is told of,
/// as it commits, until the stream is dropped.
async fn follow(connection: Arc<Connection>, mut request: Request, events: mpsc::Sender<Response>) {
    let shared = &connection.state.0;
    let state = connection.request_state();
    let document = match shared.executor.admit(&mut request, &state).await {
        Ok(document) => document,
        Err(refused) => {
            let _ = events.send(refused).await;
            return;
        }
    };
    let (query, operation_name, variables) = (request.query, request.operation_name, request.variables);
    let execution = |stage: Stage| {
        let mut request = Request::new(query.clone()).variables(variables.clone());
        if let Some(name) = &operation_name {
            request = request.operation_name(name.clone());
        }
        let context = connection.context();
        let loader = context.loader.clone();
        let request = request.data(context).data(state.clone()).data(shared.feed.clone()).data(stage);
        loader.drive(shared.executor.execute_event(request, &document))
    };

    let opened = Arc::new(Mutex::new(None));
    let opening = execution(Stage::Opening(opened.clone())).await;
    let taken = opened.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    let Some(mut feed_request) = taken.filter(|_| opening.errors.is_empty()) else {
        let _ = events.send(opening).await;
        return;
    };

    if feed_request.after.is_none() {
        // Without a cursor a subscription follows from now on.
        match feed::head(&shared.db).await {
            Ok(sequence) => feed_request.after = Some(Position { sequence }),
            Err(error) => {
                let _ = events.send(failed(error)).await;
                return;
            }
        }
    }
    let mut head = shared.feed.hub.head();
    loop {
        let page = match feed::read(&shared.db, &connection.viewer, &feed_request, &shared.feed.retention).await {
            Ok(page) => page,
            Err(error) => {
                let _ = events.send(failed(error)).await;
                return;
            }
        };
        for change in page.changes {
            let event = execution(Stage::Event(Change::new(change))).await;
            if events.send(event).await.is_err() {
                return;
            }
        }
        feed_request.after = page.end.or(feed_request.after);
        let read_to = feed_request.after.map_or(0, |after| after.sequence);
        if !page.has_next {
            // Wait for a commit after what was read; the hub ending (the
            // server stopping) ends the subscription.
            if head.wait_for(|head| *head > read_to).await.is_err() {
                return;
            }
        }
    }
}

/// The response that ends a subscription on a failure of the service.
fn failed(error: crate::error::AppError) -> Response {
    let error: async_graphql::Error = error.into();
    Response::from_errors(vec![error.into_server_error(Default::default())])
}
