using System;

namespace Serfiq
{
    /// <summary>
    /// A serfiq call failed: <see cref="Status"/> is the C status (or the one the binding
    /// chose when it rejected an argument before calling native code) and Message is
    /// serfiq_last_error() of that call.
    /// </summary>
    public class SerfiqException : Exception
    {
        /// <summary>The failure's status; never <see cref="Serfiq.Status.Ok"/>.</summary>
        public Status Status { get; }

        /// <summary>Creates the exception for a status and message.</summary>
        public SerfiqException(Status status, string message)
            : base(Format(status, message))
        {
            Status = status;
            Detail = message ?? string.Empty;
        }

        /// <summary>The message without the status name (serfiq_last_error() as it was).</summary>
        internal string Detail { get; }

        /// <summary>The C name of the status, e.g. "SERFIQ_ERR_INVALID_IMAGE".</summary>
        public string StatusName => NameOf(Status);

        private static string Format(Status status, string message) =>
            string.IsNullOrEmpty(message) ? NameOf(status) : NameOf(status) + ": " + message;

        // Computed here, not through serfiq_status_name(), so that constructing the exception
        // never needs the native library (e.g. for a DllNotFoundException-free error path).
        internal static string NameOf(Status status)
        {
            if (status == Status.Ok) return "SERFIQ_OK";
            string name = status.ToString();
            if (name.Length == 0 || char.IsDigit(name[0])) return "SERFIQ_UNKNOWN_STATUS";
            var sb = new System.Text.StringBuilder("SERFIQ_ERR_");
            for (int i = 0; i < name.Length; i++)
            {
                if (i > 0 && char.IsUpper(name[i])) sb.Append('_');
                sb.Append(char.ToUpperInvariant(name[i]));
            }
            return sb.ToString();
        }
    }
}
