using System.Collections.Concurrent;
using ImageBuilder.Build.Context;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

/// <summary>
/// A build's contexts, each read the first time a step needs it, then shared by every step: the
/// main one (<see cref="ContextSource.Name"/> null) and the named directory contexts.
/// </summary>
internal sealed class ContextSet(Func<string?, BuildContext> load)
{
    private readonly ConcurrentDictionary<string, Lazy<BuildContext>> contexts = new(StringComparer.Ordinal);

    /// <summary>The context a source reads from, read now if no step has needed it yet.</summary>
    /// <exception cref="BuildContextException">Its directory cannot be read.</exception>
    public BuildContext Of(ContextSource source) =>
        contexts.GetOrAdd("/" + (source.Name ?? ""), _ => new Lazy<BuildContext>(() => load(source.Name))).Value;

    /// <summary>The contexts read so far (whose stat caches are saved when the build ends).</summary>
    public IEnumerable<BuildContext> Read => contexts.Values.Where(c => c.IsValueCreated).Select(c => c.Value);
}
