namespace ImageBuilder.Linux.Cgroups;

/// <summary>A step's cgroup could not be set up the way its limits need (missing controller, refused write).</summary>
public sealed class CgroupException : Exception
{
    public CgroupException(string message)
        : base(message)
    {
    }

    public CgroupException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
