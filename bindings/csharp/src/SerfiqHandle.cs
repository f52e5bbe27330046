using System;
using System.Runtime.InteropServices;

namespace Serfiq
{
    /// <summary>
    /// Owns one serfiq_model*. ReleaseHandle calls serfiq_destroy exactly once, and only
    /// when no call holds a reference (callers bracket native calls with
    /// DangerousAddRef / DangerousRelease), which is what serfiq_destroy requires.
    /// </summary>
    internal sealed class SerfiqHandle : SafeHandle
    {
        public SerfiqHandle() : base(IntPtr.Zero, ownsHandle: true) { }

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Native.serfiq_destroy(handle);
            handle = IntPtr.Zero;
            return true;
        }
    }
}
