package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Components and feedback: the table {@link QualityModel#assess} gives for the fixture face equals
 * the C API's (examples/c/score.c --components, face.components from {@code make fixtures}).
 */
class ComponentsTest {
    static QualityModel model;
    static TestEnv.Ppm photo;

    /** One row of face.components. */
    record Row(String name, String unit, float raw, float value) {}

    static List<Row> rows = new ArrayList<>();
    static long bits;
    static List<String> feedback = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        List<String> lines = Files.readAllLines(TestEnv.fixtures().resolve("face.components"));
        String[] head = lines.get(0).split(" ");
        assertEquals("components", head[0]);
        int count = Integer.parseInt(head[1]);
        for (int i = 0; i < count; i++) {
            String[] p = lines.get(1 + i).split(" ");
            assertEquals(i, Integer.parseInt(p[0]));
            String unit = String.join(" ", Arrays.copyOfRange(p, 2, p.length - 2));
            rows.add(new Row(p[1], unit, Float.parseFloat(p[p.length - 2]), Float.parseFloat(p[p.length - 1])));
        }
        String[] fb = lines.get(1 + count).split(" ");
        assertEquals("feedback", fb[0]);
        bits = Long.parseUnsignedLong(fb[1]);
        feedback.addAll(Arrays.asList(fb).subList(2, fb.length));
        photo = TestEnv.face();
        // The C reference sets no quality network: UnifiedQualityScore (q100) is of s and n's f.
        model = QualityModel.open(TestEnv.withDetector().noQualityNet().build());
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    static void assertSame(float want, float got, String what) {
        if (Float.isNaN(want)) {
            assertTrue(Float.isNaN(got), what);
        } else {
            assertEquals(want, got, 1e-5f * Math.max(1f, Math.abs(want)), what);
        }
    }

    @Test
    void assessEqualsC() throws Exception {
        Assessment a = model.assess(photo.rgb(), photo.image(), TestEnv.landmarks());
        assertEquals(TestEnv.reference().s(), a.quality().s(), 1e-6f);
        assertEquals(rows.size(), a.components().size());
        List<String> order = new ArrayList<>(a.components().keySet());
        for (int id = 0; id < rows.size(); id++) {
            Row r = rows.get(id);
            assertEquals(r.name(), order.get(id), "id order");
            Component c = a.components().get(r.name());
            assertEquals(id, c.id());
            assertEquals(r.unit(), c.unit(), r.name());
            assertSame(r.raw(), c.raw(), r.name() + " raw");
            assertSame(r.value(), c.value(), r.name() + " value");
            assertEquals(!Float.isNaN(r.value()), c.assessed(), r.name());
        }
        assertEquals(bits, a.feedbackBits());
        assertEquals(feedback, a.feedback().stream().map(Feedback::name).toList());
        for (String name : feedback) {
            assertTrue(a.has(name), name);
        }
        assertFalse(a.has("NO_SUCH_CODE"));
        assertEquals(0f, a.confidence());
        // The direct-buffer overload gives the same table.
        Assessment d = model.assess(photo.direct(), photo.image(), TestEnv.landmarks());
        assertEquals(a.components(), d.components());
    }

    @Test
    void detectAssessOrdersAsDetectScore() throws Exception {
        List<Assessment> all = model.detectAssess(photo.rgb(), photo.image());
        List<DetectedFace> scored = model.detectScore(photo.rgb(), photo.image(), false);
        assertEquals(scored.size(), all.size());
        assertFalse(all.isEmpty());
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(scored.get(i).box(), all.get(i).box());
            assertEquals(scored.get(i).quality(), all.get(i).quality());
            assertTrue(all.get(i).components().get("SingleFacePresent").assessed());
        }
        Assessment first = model.assess(photo.rgb(), photo.image(), null);
        assertArrayEquals(all.get(0).box(), first.box());
        assertEquals(all.get(0).feedbackBits(), first.feedbackBits());
        TestEnv.Ppm none = TestEnv.noFace();
        assertTrue(model.detectAssess(none.rgb(), none.image()).isEmpty());
        SerfiqException e = assertThrows(SerfiqException.class, () -> model.assess(none.rgb(), none.image(), null));
        assertEquals(Status.NO_FACE, e.status());
    }

    @Test
    void tablesComeFromTheLibrary() {
        assertEquals(feedback.size(), Long.bitCount(bits));
        List<Feedback> all = Feedback.all();
        assertEquals("NO_FACE", all.get(0).name());
        assertEquals("TOO_DARK", all.get(7).name());
        for (Feedback f : all) {
            assertFalse(f.message().isEmpty(), f.name());
        }
    }

    @Test
    void feedbackProfileOption() {
        try (QualityModel live = QualityModel.open(TestEnv.options().feedbackProfile("live;max_yaw=20").build())) {
            assertEquals("live;max_yaw=20", live.options().feedbackProfile());
        }
        assertNull(TestEnv.options().build().feedbackProfile());
        for (String bad : new String[] {"no-such-preset", "live;no_such_key=1", "live;max_yaw=abc"}) {
            SerfiqException e = assertThrows(SerfiqException.class,
                    () -> QualityModel.open(TestEnv.options().feedbackProfile(bad).build()), bad);
            assertEquals(Status.INVALID_ARGUMENT, e.status(), bad);
        }
    }
}
