package org.serfiq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The loaded library's ABI, and the Java tables against the C header (no drift). */
class AbiTest {
    static Map<String, Integer> header = new LinkedHashMap<>();

    @BeforeAll
    static void readHeader() throws Exception {
        String text = Files.readString(TestEnv.include().resolve("serfiq.h"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^#define (SERFIQ_\\w+) (\\d+)\\s*$").matcher(text);
        while (m.find()) {
            header.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertTrue(header.containsKey("SERFIQ_OK"), "parsed the header");
    }

    @Test
    void abiVersionMatches() {
        NativeLib.ensureLoaded();
        assertEquals(QualityModel.ABI_VERSION, NativeLib.nativeAbiVersion());
        assertEquals(3, NativeLib.nativeAbiVersion());
        assertEquals(header.get("SERFIQ_ABI_VERSION"), QualityModel.ABI_VERSION);
        NativeLib.checkAbi(3);
        NativeLib.ensureLoaded();
        QualityModel.version();
        assertEquals(NativeLib.JNI_VERSION, NativeLib.nativeJniVersion());
        NativeLib.checkJni(NativeLib.JNI_VERSION);
    }

    @Test
    void jniMismatchIsASerfiqException() {
        for (int loaded : new int[] {0, 1, NativeLib.JNI_VERSION - 1, NativeLib.JNI_VERSION + 1}) {
            SerfiqException e = assertThrows(SerfiqException.class, () -> NativeLib.checkJni(loaded));
            assertEquals(Status.ABI_MISMATCH, e.status());
            assertTrue(e.detail().contains("needs JNI version " + NativeLib.JNI_VERSION), e.detail());
        }
        // 0: what the loader reads from a library without nativeJniVersion, e.g. the plain C build.
        SerfiqException e = assertThrows(SerfiqException.class, () -> NativeLib.checkJni(0));
        assertTrue(e.detail().contains("jni"), e.detail());
    }

    @Test
    void abiMismatchIsASerfiqException() {
        for (int loaded : new int[] {0, 1, 2, 4, -1}) {
            SerfiqException e = assertThrows(SerfiqException.class, () -> NativeLib.checkAbi(loaded));
            assertEquals(Status.ABI_MISMATCH, e.status());
            assertEquals(16, e.code());
            assertEquals(header.get("SERFIQ_ERR_ABI_MISMATCH"), e.code());
            assertTrue(e.getMessage().startsWith("ABI_MISMATCH: "), e.getMessage());
            assertTrue(e.detail().contains("ABI version " + loaded), e.detail());
            assertTrue(e.detail().contains("needs " + QualityModel.ABI_VERSION), e.detail());
        }
    }

    @Test
    void q100QualityCodesMatchTheHeader() {
        assertEquals(header.get("SERFIQ_Q100_DEFAULT"), Q100Quality.DEFAULT.code());
        assertEquals(header.get("SERFIQ_Q100_S"), Q100Quality.S.code());
        assertEquals(header.get("SERFIQ_Q100_F"), Q100Quality.F.code());
    }

    @Test
    void statusEnumMatchesTheHeader() {
        Map<String, Integer> c = new LinkedHashMap<>();
        header.forEach((k, v) -> {
            if (k.equals("SERFIQ_OK")) {
                c.put("OK", v);
            } else if (k.startsWith("SERFIQ_ERR_")) {
                c.put(k.substring("SERFIQ_ERR_".length()), v);
            }
        });
        Map<String, Integer> java = new LinkedHashMap<>();
        for (Status s : Status.values()) {
            java.put(s.name(), s.code());
            assertEquals(s, Status.fromCode(s.code()));
        }
        assertEquals(c, java);
        assertNull(Status.fromCode(Status.values().length));
        assertNull(Status.fromCode(-1));
        SerfiqException unknown = new SerfiqException(999, "from the future");
        assertEquals(Status.INTERNAL, unknown.status());
        assertEquals(999, unknown.code());
    }

    @Test
    void pixelFormatsAndChannelsMatchTheHeader() {
        for (PixelFormat f : PixelFormat.values()) {
            assertEquals(header.get("SERFIQ_PIXEL_" + f.name()), f.code(), f.name());
        }
        assertEquals(PixelFormat.values().length,
                header.keySet().stream().filter(k -> k.startsWith("SERFIQ_PIXEL_")).count());
        for (ChannelOrder c : ChannelOrder.values()) {
            assertEquals(header.get("SERFIQ_CHANNELS_" + c.name()), c.code(), c.name());
        }
        for (FacePolicy p : FacePolicy.values()) {
            assertEquals(header.get("SERFIQ_FACE_" + p.name()), p.code(), p.name());
        }
        for (ExecutionProvider p : ExecutionProvider.values()) {
            assertEquals(header.get("SERFIQ_PROVIDER_" + p.name()), p.code(), p.name());
        }
        for (SearchPaths p : SearchPaths.values()) {
            assertEquals(header.get("SERFIQ_SEARCH_" + p.name()), p.code(), p.name());
        }
        assertEquals(SearchPaths.values().length,
                header.keySet().stream().filter(k -> k.startsWith("SERFIQ_SEARCH_")).count());
        assertEquals(header.get("SERFIQ_LANDMARK_FLOATS"), 10);
        assertEquals(FacePolicy.values().length, header.keySet().stream().filter(k -> k.startsWith("SERFIQ_FACE_")).count());
        assertEquals(ExecutionProvider.values().length,
                header.keySet().stream().filter(k -> k.startsWith("SERFIQ_PROVIDER_")).count());
    }

    @Test
    void platformName() {
        String p = NativeLoader.platform();
        assertTrue(p.matches("[a-z0-9_]+-[a-z0-9_]+"), p);
    }
}
