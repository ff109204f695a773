//! Signals through the reactor: several waiters wake on one signal, the
//! event stays set until cleared. (Its own process: it raises signals.)

use curio::signal::{raise, SignalEvent, SIGUSR1, SIGUSR2};
use std::sync::Arc;

#[test]
fn several_waiters_wake_and_clear_rearms() {
    curio::run(async {
        let event = Arc::new(SignalEvent::new(&[SIGUSR1, SIGUSR2]).unwrap());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let e = event.clone();
                curio::spawn(async move { e.wait().await })
            })
            .collect();
        curio::yield_now().await;
        raise(SIGUSR2).unwrap();
        for w in waiters {
            w.await.unwrap().unwrap();
        }
        assert!(event.is_set());
        event.wait().await.unwrap();
        event.clear();
        assert!(!event.is_set());
        let e = event.clone();
        let again = curio::spawn(async move { e.wait().await });
        curio::yield_now().await;
        raise(SIGUSR1).unwrap();
        again.await.unwrap().unwrap();
    });
}

#[test]
fn forbidden_signals_are_refused() {
    curio::run(async {
        let err = SignalEvent::new(&[9]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    });
}
