package org.serfiq;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

/**
 * Frees a model that was never closed, where the runtime can: with
 * {@link Cleaner} (Java 9+, Android API 33+). Android below API 33 has no
 * Cleaner; there an unclosed model is not freed until the process exits
 * (close it, e.g. with try-with-resources), and nothing else changes:
 * close() frees at once, and calls after it throw as everywhere.
 */
final class SafetyNet {
    /** What close() calls to run (and unregister) the action. */
    interface Registration {
        void clean();
    }

    /** Whether java.lang.ref.Cleaner exists here, looked up without linking to it. */
    static final boolean HAS_CLEANER = present("java.lang.ref.Cleaner");

    private SafetyNet() {}

    /** Registers {@code action} to run once {@code owner} is unreachable, where a Cleaner exists. */
    static Registration register(Object owner, Runnable action) {
        return HAS_CLEANER ? WithCleaner.register(owner, action) : direct(action);
    }

    /** No safety net: clean() runs the action (used where Cleaner is missing). */
    static Registration direct(Runnable action) {
        return action::run;
    }

    /** Keeps {@code owner} reachable until here, so its Cleaner cannot run during a native call. */
    static void keepAlive(Object owner) {
        // Without a Cleaner nothing runs early; Reference.reachabilityFence needs Android API 28.
        if (HAS_CLEANER) {
            Reference.reachabilityFence(owner);
        }
    }

    private static boolean present(String name) {
        try {
            Class.forName(name, false, SafetyNet.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Only loaded (and so only linked against Cleaner) when HAS_CLEANER. */
    private static final class WithCleaner {
        private static final Cleaner CLEANER = Cleaner.create();

        static Registration register(Object owner, Runnable action) {
            return CLEANER.register(owner, action)::clean;
        }
    }
}
