//! Changes as they happen: the change feed read page by page, its delta
//! export, and the news of commits that subscriptions and webhooks wait on.

pub mod audience;
pub mod delta;
pub mod feed;
pub mod hub;

pub use feed::{FeedChange, FeedPage, FeedRequest, Operation, Position, Retention};
pub use hub::{ChangeHub, HubTiming, KeyWatch};
