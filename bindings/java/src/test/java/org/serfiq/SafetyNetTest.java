package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Cleaner safety net and its stand-in where the runtime has no Cleaner (Android below API 33). */
class SafetyNetTest {
    @Test
    void thisJvmHasACleaner() {
        assertTrue(SafetyNet.HAS_CLEANER, "Java 9+ has java.lang.ref.Cleaner");
    }

    @Test
    void withACleanerCleanRunsTheActionOnce() {
        AtomicInteger runs = new AtomicInteger();
        Object owner = new Object();
        SafetyNet.Registration r = SafetyNet.register(owner, runs::incrementAndGet);
        r.clean();
        r.clean();
        assertEquals(1, runs.get(), "a Cleanable runs its action at most once");
        SafetyNet.keepAlive(owner);
    }

    @Test
    void withoutACleanerCleanRunsTheActionEachTime() {
        // What close() gets below Android API 33: the action runs on every clean(), so it must be
        // idempotent (QualityModel's Native.run frees only a live handle).
        AtomicInteger runs = new AtomicInteger();
        SafetyNet.Registration r = SafetyNet.direct(runs::incrementAndGet);
        assertEquals(0, runs.get(), "nothing runs at registration");
        r.clean();
        r.clean();
        assertEquals(2, runs.get());
    }
}
