//! What a screen loads from and sends to the API: `Fetch<T>`, fetched when the screen shows
//! and again whenever a signal read by the fetch changes or `refetch` is called (a
//! `LocalResource`), and `Submit<I, O>`, a request the person starts — a form, a delete, a
//! move — with whether it is in flight and its last answer (an `Action`). Both type-erased.
//!
//! Why: Leptos compiles its async machinery once per value type and closure, about 9 KB of
//! WASM (3 KiB gzip) per resource and 2.5 KB per action, and the screens had 39 resources and
//! 37 actions. Behind one erased `LocalResource` and one erased `Action` it is compiled once;
//! what stays generic is a box and a downcast.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

use crate::api::ApiError;

type Erased = Result<Rc<dyn Any>, ApiError>;
type ErasedFuture = Pin<Box<dyn Future<Output = Erased>>>;
type ErasedInput = Rc<dyn Any>;

/// The value an erased answer holds (it cannot be another type: `new` stored it).
fn downcast<T: Clone + 'static>(answer: Erased) -> Result<T, ApiError> {
    answer
        .and_then(|value| value.downcast_ref::<T>().cloned().ok_or_else(|| ApiError::network("unexpected answer type")))
}

/// A value fetched from the API (see the module's documentation).
pub struct Fetch<T> {
    inner: LocalResource<Erased>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for Fetch<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetch<T> {}

/// The one `LocalResource` instantiation every `Fetch` shares.
fn erased_resource(fetch: Rc<dyn Fn() -> ErasedFuture>) -> LocalResource<Erased> {
    LocalResource::new(move || fetch())
}

impl<T: Clone + 'static> Fetch<T> {
    /// Starts fetching; `fetch` reruns when a signal it reads changes.
    pub fn new<F>(fetch: impl Fn() -> F + 'static) -> Self
    where
        F: Future<Output = Result<T, ApiError>> + 'static,
    {
        let inner = erased_resource(Rc::new(move || {
            let answer = fetch();
            Box::pin(async move { answer.await.map(|value| Rc::new(value) as Rc<dyn Any>) }) as ErasedFuture
        }));
        Self { inner, value: PhantomData }
    }

    /// The last answer (`None` until the first arrives); reading it subscribes.
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.inner.get().map(downcast)
    }

    /// Fetches again.
    pub fn refetch(&self) {
        self.inner.refetch();
    }
}

/// A request the person starts (see the module's documentation).
pub struct Submit<I, O> {
    inner: Action<ErasedInput, Erased>,
    types: PhantomData<fn(I) -> O>,
}

impl<I, O> Clone for Submit<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for Submit<I, O> {}

/// The one `Action` instantiation every `Submit` shares.
fn erased_action(run: Rc<dyn Fn(&ErasedInput) -> ErasedFuture>) -> Action<ErasedInput, Erased> {
    Action::new_local(move |input: &ErasedInput| run(input))
}

impl<I: 'static, O: Clone + 'static> Submit<I, O> {
    /// A request made by `run` each time it is dispatched.
    pub fn new<F>(run: impl Fn(&I) -> F + 'static) -> Self
    where
        F: Future<Output = Result<O, ApiError>> + 'static,
    {
        let inner = erased_action(Rc::new(move |input: &ErasedInput| {
            // Always an `I`: `dispatch_local` is the only way in.
            let answer = input.downcast_ref::<I>().map(&run);
            Box::pin(async move {
                match answer {
                    Some(answer) => answer.await.map(|value| Rc::new(value) as Rc<dyn Any>),
                    None => Err(ApiError::network("unexpected input type")),
                }
            }) as ErasedFuture
        }));
        Self { inner, types: PhantomData }
    }

    /// Starts the request.
    pub fn dispatch_local(&self, input: I) {
        self.inner.dispatch_local(Rc::new(input));
    }

    /// The last answer (`None` before the first); reading it subscribes.
    pub fn value(&self) -> Option<Result<O, ApiError>> {
        self.inner.value().get().map(downcast)
    }

    /// Forgets the last answer (a form opened again starts without the old complaint).
    pub fn clear(&self) {
        self.inner.clear();
    }
}

impl<I, O> Submit<I, O> {
    /// Whether a request is in flight.
    pub fn pending(&self) -> Memo<bool> {
        self.state().pending()
    }

    /// How many answers have arrived (track it to reload after each).
    pub fn version(&self) -> RwSignal<usize> {
        self.state().version()
    }

    /// The state without the types, for code that needs no answer (form state, error boxes):
    /// compiled once instead of once per request type.
    pub fn state(&self) -> SubmitState {
        SubmitState { inner: self.inner }
    }
}

/// A `Submit` without its input and answer types.
#[derive(Clone, Copy)]
pub struct SubmitState {
    inner: Action<ErasedInput, Erased>,
}

impl SubmitState {
    /// Whether a request is in flight.
    pub fn pending(&self) -> Memo<bool> {
        self.inner.pending()
    }

    /// How many answers have arrived.
    pub fn version(&self) -> RwSignal<usize> {
        self.inner.version()
    }

    /// The last answer's error, if it was one; reading it subscribes.
    pub fn error(&self) -> Option<ApiError> {
        self.inner.value().with(|answer| answer.as_ref().and_then(|answer| answer.as_ref().err().cloned()))
    }
}
