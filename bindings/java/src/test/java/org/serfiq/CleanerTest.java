package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A model nobody closed is freed by the Cleaner; a closed one is not freed twice. */
class CleanerTest {
    static final String WARNING = "serfiq: a QualityModel was not closed; freed by the Cleaner";

    /** Opens a model and lets go of it, unclosed (in a method of its own, so no local keeps it). */
    static WeakReference<QualityModel> openAndDrop() {
        QualityModel m = TestEnv.open();
        assertTrue(!m.isClosed());
        return new WeakReference<>(m);
    }

    @Test
    void anUnclosedModelIsFreedByTheCleaner() throws Exception {
        long before = QualityModel.liveModels();
        boolean warnedBefore = QualityModel.cleanerWarned();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            WeakReference<QualityModel> ref = openAndDrop();
            assertEquals(before + 1, QualityModel.liveModels());
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((ref.get() != null || QualityModel.liveModels() > before
                            || (!warnedBefore && !captured.toString(StandardCharsets.UTF_8).contains(WARNING)))
                    && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(null, ref.get(), "the model became unreachable");
            assertEquals(before, QualityModel.liveModels(), "the Cleaner freed the native model");
            assertTrue(QualityModel.cleanerWarned());
            if (!warnedBefore) {
                assertEquals(WARNING + System.lineSeparator(), captured.toString(StandardCharsets.UTF_8));
            }
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void closedModelsAreCountedOnce() throws Exception {
        long before = QualityModel.liveModels();
        QualityModel a = TestEnv.open();
        QualityModel b = TestEnv.open();
        assertEquals(before + 2, QualityModel.liveModels());
        a.close();
        assertEquals(before + 1, QualityModel.liveModels());
        a.close();
        b.close();
        assertEquals(before, QualityModel.liveModels());
        a = null;
        b = null;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before, QualityModel.liveModels(), "the Cleaner frees nothing that close() freed");
    }
}
