package org.serfiq;

import java.nio.file.Path;

/**
 * Run by {@link LimitsTest} in a JVM of its own: args MODEL ORT_LIBRARY, env SERFIQ_ORT_LIB set.
 * Exit 0 when explicit-only ignores SERFIQ_ORT_LIB before ONNX Runtime is loaded and the default
 * search then takes it.
 */
final class ExplicitOnlyMain {
    private ExplicitOnlyMain() {}

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        Path ort = Path.of(args[1]);
        try {
            QualityModel.open(ModelOptions.builder().modelPath(model).searchPaths(SearchPaths.EXPLICIT_ONLY).build())
                    .close();
            System.out.println("explicit-only without a path loaded ONNX Runtime");
            System.exit(1);
        } catch (SerfiqException e) {
            if (e.status() != Status.RUNTIME_NOT_FOUND || !e.detail().contains("explicit-only")) {
                System.out.println("wrong error: " + e.getMessage());
                System.exit(1);
            }
            System.out.println(e.getMessage());
        }
        // The control: the default search takes SERFIQ_ORT_LIB; then explicit-only with its path.
        QualityModel.open(ModelOptions.builder().modelPath(model).build()).close();
        QualityModel.open(ModelOptions.builder().modelPath(model).ortLibraryPath(ort)
                .searchPaths(SearchPaths.EXPLICIT_ONLY).build()).close();
        System.out.println("explicit-only child: every step as documented");
        System.exit(0);
    }
}
