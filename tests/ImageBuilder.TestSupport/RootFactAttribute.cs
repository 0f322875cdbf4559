using Xunit;

namespace ImageBuilder.TestSupport;

/// <summary>
/// A test that needs root (mknod, chown, overlay mounts, namespaces). It runs when the
/// tests run as root, as CI does, and is reported as skipped otherwise.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CI runs the tests as root)";
        }
    }
}

/// <summary>The data-driven form of <see cref="RootFactAttribute"/>.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (CI runs the tests as root)";
        }
    }
}
