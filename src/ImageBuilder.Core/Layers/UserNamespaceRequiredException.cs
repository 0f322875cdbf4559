namespace ImageBuilder.Core.Layers;

/// <summary>
/// Rootless ibuild starts a command outside its user namespace and enters the namespace only when
/// the command turns out to need it (a fully cached build never does). Thrown at the first thing
/// only the namespace can do — write or read a snapshot's tree with its owners, mount, run a
/// step — before it has happened; nothing catches it but the command line, which runs the
/// command again inside the namespace. Layers that wrap failures let it through unchanged.
/// </summary>
public sealed class UserNamespaceRequiredException(string what)
    : Exception($"{what} needs rootless ibuild's user namespace, which this process has not entered")
{
    /// <summary>What asked for the namespace ("unpacking a layer", "running a step"), for tests and traces.</summary>
    public string What { get; } = what;
}
