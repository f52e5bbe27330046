using System.Runtime.CompilerServices;

// Version, title etc. come from Serfiq.csproj (SDK builds); the tests check the P/Invoke
// layer (struct sizes, the ABI check) directly.
[assembly: InternalsVisibleTo("Serfiq.Tests")]
