package org.serfiq;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads libserfiq once per class loader. On Android: {@code
 * System.loadLibrary("onnxruntime")} (the app's ONNX Runtime, e.g. from the
 * onnxruntime-android AAR), then {@code System.loadLibrary("serfiq")}, so that
 * serfiq finds the ONNX Runtime already loaded. Elsewhere, trying in order:
 *
 * <ol>
 *   <li>the system property {@value #PATH_PROPERTY}: the path of the library
 *       file itself (when set, it is the only place tried);
 *   <li>a library packaged in the jar at {@code /native/<os>-<arch>/<file>}, e.g.
 *       {@code /native/linux-x86_64/libserfiq.so}, {@code /native/linux-aarch64/libserfiq.so},
 *       {@code /native/windows-x86_64/serfiq.dll}: copied to a temporary folder
 *       and loaded from there. ONNX Runtime packaged beside it ({@code
 *       libonnxruntime.so.1}, on Windows {@code onnxruntime.dll}) is copied to
 *       the same folder first, where serfiq looks for it;
 *   <li>{@code System.loadLibrary("serfiq")}: {@code java.library.path}.
 * </ol>
 */
public final class NativeLoader {
    /** System property naming the library file to load. */
    public static final String PATH_PROPERTY = "serfiq.library.path";

    private static boolean loaded;

    private NativeLoader() {}

    /** Loads the library if not yet loaded; throws {@link UnsatisfiedLinkError} when no place works. */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        if (isAndroid()) {
            loadAndroid();
            loaded = true;
            return;
        }
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isEmpty()) {
            System.load(new File(explicit).getAbsolutePath());
            loaded = true;
            return;
        }
        String resource = "/native/" + platform() + "/" + System.mapLibraryName("serfiq");
        if (NativeLoader.class.getResource(resource) != null) {
            try {
                System.load(extract(resource).toString());
            } catch (IOException e) {
                UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                        "could not extract " + resource + " from the jar: " + e.getMessage());
                err.initCause(e);
                throw err;
            }
            loaded = true;
            return;
        }
        try {
            System.loadLibrary("serfiq");
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                    "libserfiq not found: set -D" + PATH_PROPERTY + "=/path/to/" + System.mapLibraryName("serfiq")
                            + ", package it in the jar as " + resource + ", or put it on java.library.path ("
                            + e.getMessage() + ")");
            err.initCause(e);
            throw err;
        }
        loaded = true;
    }

    /** Whether this is Android's runtime (ART or Dalvik). */
    static boolean isAndroid() {
        return System.getProperty("java.vm.vendor", "").contains("Android")
                || System.getProperty("java.runtime.name", "").contains("Android");
    }

    /** Android: the app's jniLibs/<abi>/ holds libonnxruntime.so and libserfiq.so. */
    private static void loadAndroid() {
        try {
            System.loadLibrary("onnxruntime");
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                    "ONNX Runtime (libonnxruntime.so) is not in this app: add the onnxruntime-android package"
                            + " or put libonnxruntime.so in jniLibs/<abi>/ (" + e.getMessage() + ")");
            err.initCause(e);
            throw err;
        }
        System.loadLibrary("serfiq");
    }

    /** ONNX Runtime's file name as serfiq looks for it beside itself. */
    static String ortFile() {
        return platform().startsWith("windows-") ? "onnxruntime.dll" : "libonnxruntime.so.1";
    }

    /** {@code <os>-<arch>} as used in the jar's {@code /native/} folder, e.g. {@code linux-x86_64}. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "macos";
        } else if (os.startsWith("windows")) {
            os = "windows";
        }
        switch (arch) {
            case "amd64", "x86_64", "x64" -> arch = "x86_64";
            case "aarch64", "arm64" -> arch = "aarch64";
            default -> { }
        }
        return os + "-" + arch;
    }

    /** Copies the packaged library (and ONNX Runtime, when packaged) into a new temporary folder. */
    private static Path extract(String resource) throws IOException {
        Path dir = Files.createTempDirectory("serfiq-native-");
        dir.toFile().deleteOnExit();
        String folder = resource.substring(0, resource.lastIndexOf('/') + 1);
        copy(folder + ortFile(), dir.resolve(ortFile()));
        Path lib = dir.resolve(resource.substring(folder.length()));
        if (!copy(resource, lib)) {
            throw new IOException(resource + " disappeared");
        }
        return lib;
    }

    private static boolean copy(String resource, Path target) throws IOException {
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return false;
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        // Deleted in reverse order of registration: the files before their folder.
        target.toFile().deleteOnExit();
        return true;
    }
}
