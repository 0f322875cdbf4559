namespace ImageBuilder.Core.Layers;

/// <summary>
/// Rootless ibuild starts a command outside its user namespace and enters the namespace only when
/// the command turns out to need it (a fully cached build never does). Thrown at the first thing
/// only the namespace can do — write a tree with its owners, mount, run a step, read a file the
/// user may not — before it has happened (a push or a save into a file may have done work by then
/// that the run inside finds done or does again, never anything it cannot take back); nothing
/// catches it but the command line, which runs the command again inside the namespace. Layers
/// that wrap failures let it through unchanged.
/// </summary>
public sealed class UserNamespaceRequiredException(string what)
    : Exception($"{what} needs rootless ibuild's user namespace, which this process has not entered")
{
    /// <summary>What asked for the namespace ("unpacking a layer", "running a step"), for tests and traces.</summary>
    public string What { get; } = what;
}
