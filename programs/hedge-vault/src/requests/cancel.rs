//! The one cancellation of a request (PROTOCOL section 6a), whatever its kind: its
//! owner, before its due time, pending; the kind gives back what the request holds;
//! the request ends (every lamport back to its owner) unless the kind keeps a part
//! (a waiting deposit's part the longs cover); the events.

use anchor_lang::prelude::*;

use super::{authorize_cancel, end_cancelled};
use crate::events::Queue;
use crate::state::Request;

/// Cancels `request` for its owner `owner`. `give_back(request, events, now)` gives
/// back what the request holds, queues its own events and says whether the request
/// ends (`false`: a part stays, its amount set by the kind).
pub fn cancel<'info>(
    request: &mut Account<'info, Request>,
    owner: &AccountInfo<'info>,
    event_authority: &AccountInfo<'info>,
    give_back: impl FnOnce(&mut Request, &mut Queue, i64) -> Result<bool>,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    authorize_cancel(request, owner.key, now)?;
    let mut events = Queue::default();
    if give_back(request, &mut events, now)? {
        events.push(&end_cancelled(request, owner)?);
    }
    events.emit(event_authority)
}
