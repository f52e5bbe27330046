// SearchPaths.ExplicitOnly in a process where ONNX Runtime is not loaded yet (ONNX Runtime is
// loaded once per process, so this is a program of its own; test.sh runs it with SERFIQ_ORT_LIB
// naming the real library, which explicit-only must not read). Exit 0: every step as documented.
using System;
using Serfiq;

internal static class ExplicitOnly
{
    private static int Main()
    {
        string model = Environment.GetEnvironmentVariable("SERFIQ_MODEL");
        string ort = Environment.GetEnvironmentVariable("SERFIQ_ORT_LIB");
        if (string.IsNullOrEmpty(model) || string.IsNullOrEmpty(ort))
        {
            Console.Error.WriteLine("set SERFIQ_MODEL and SERFIQ_ORT_LIB");
            return 2;
        }
        try
        {
            using (new QualityModel(new QualityModelOptions { ModelPath = model, SearchPaths = SearchPaths.ExplicitOnly }))
            {
                Console.Error.WriteLine("explicit-only without a path loaded ONNX Runtime");
                return 1;
            }
        }
        catch (SerfiqException e) when (e.Status == Status.RuntimeNotFound && e.Message.Contains("explicit-only"))
        {
            Console.WriteLine("    explicit-only, SERFIQ_ORT_LIB set, no path: " + e.Message);
        }
        // The control: the default search takes SERFIQ_ORT_LIB.
        using (new QualityModel(new QualityModelOptions { ModelPath = model })) { }
        // Loaded now: explicit-only with that library's path works.
        using (new QualityModel(new QualityModelOptions { ModelPath = model, OrtLibraryPath = ort, SearchPaths = SearchPaths.ExplicitOnly })) { }
        Console.WriteLine("    default search, then explicit-only with the loaded library's path: OK");
        return 0;
    }
}
