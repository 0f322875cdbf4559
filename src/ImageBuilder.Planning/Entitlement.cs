namespace ImageBuilder.Planning;

/// <summary>
/// A privilege a Dockerfile may use only when the person running the build grants it
/// (<c>ibuild build --allow NAME</c>), as BuildKit's entitlements: a Dockerfile must never widen
/// what the command line chose. The planner refuses an instruction that needs one it was not given.
/// </summary>
public enum Entitlement
{
    /// <summary><c>network.host</c>: <c>RUN --network=host</c> (the host's network, whatever <c>--network</c> says).</summary>
    NetworkHost,

    /// <summary><c>security.insecure</c>: <c>RUN --security=insecure</c> (every capability, no masked paths, no syscall filter).</summary>
    SecurityInsecure,
}

public static class Entitlements
{
    /// <summary>Every entitlement, by the name <c>--allow</c> takes.</summary>
    public static IReadOnlyList<Entitlement> All { get; } = Enum.GetValues<Entitlement>();

    /// <summary>The name on the command line: <c>network.host</c>.</summary>
    public static string Name(this Entitlement entitlement) => entitlement switch
    {
        Entitlement.NetworkHost => "network.host",
        Entitlement.SecurityInsecure => "security.insecure",
        _ => throw new ArgumentOutOfRangeException(nameof(entitlement), entitlement, null),
    };

    /// <summary>The entitlement called <paramref name="name"/>, or null when there is none.</summary>
    public static Entitlement? Parse(string name) => All.Where(e => e.Name() == name).Select(e => (Entitlement?)e).FirstOrDefault();
}
