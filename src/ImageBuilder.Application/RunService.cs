using System.Security.Cryptography;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Cgroups;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Network;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Application;

/// <summary>What <c>ibuild run</c> runs: over which image, and how (null fields take the image's own values).</summary>
public sealed record RunRequest(string? Root, string Image, IReadOnlyList<string> Command)
{
    /// <summary><c>-e K=V</c> (K alone copies ibuild's own variable), applied over the image's variables in order.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    /// <summary>The container's network: its own private one unless <c>--network host</c> or <c>none</c>.</summary>
    public NetworkMode Network { get; init; } = NetworkMode.Private;

    public ResourceLimits? Limits { get; init; }

    /// <summary><c>--platform</c>: which image of a multi-platform image (default: this machine's).</summary>
    public Core.Oci.Platform? Platform { get; init; }
}

/// <summary>Why a container could not be run (not: its command failed).</summary>
public enum RunRefusal
{
    /// <summary>Neither the image nor the command line gives a command.</summary>
    NoCommand,

    /// <summary>The image has more layers than overlayfs stacks.</summary>
    TooManyLayers,

    /// <summary>The sandbox could not be set up.</summary>
    Sandbox,

    /// <summary>The private network could not be started (its network stack is missing or failed).</summary>
    Network,
}

/// <summary>A container could not be run: <see cref="Exception.Message"/> says why, <see cref="Hint"/> what to do.</summary>
public sealed class RunRefusedException(RunRefusal reason, string message, string? hint = null, Exception? inner = null) : Exception(message, inner)
{
    public RunRefusal Reason { get; } = reason;

    public string? Hint { get; } = hint;
}

/// <summary>
/// <c>ibuild run</c>: a command in an image of the store, through the build sandbox, changes thrown
/// away. The upper dir lives in a scratch dir of the store (named for this process, so a later
/// command removes it even after a kill -9); snapshots that a prune or a repair removed come back
/// from the layer blobs first.
/// </summary>
public sealed class RunService(StoreService stores, IMachine machine)
{
    /// <summary>Runs the container with its output streamed to <paramref name="stdout"/> and <paramref name="stderr"/>; returns how it ended.</summary>
    /// <exception cref="RunRefusedException">It could not be run.</exception>
    public async Task<SandboxResult> RunAsync(RunRequest request, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        var store = stores.Open(request.Root);
        // The scratch dir is in use while the command runs: keep the store's clean-up away from it.
        using var protect = store.ProtectNewContent();
        if (request.Limits is not null && machine.WhyLimitsUnavailable() is { } why)
        {
            throw new RunRefusedException(RunRefusal.Sandbox, why);
        }

        machine.RemoveStaleCgroups();

        var image = store.ResolveImage(request.Image, request.Platform);
        if (image.Config.Architecture.Length > 0 && machine.WhyCannotRun(image.Config.Platform) is var (reason, hint))
        {
            throw new RunRefusedException(RunRefusal.Sandbox, reason, hint);
        }

        var config = image.Config.Config;
        var command = request.Command.Count > 0 ? request.Command : config?.Cmd ?? [];
        var argv = (config?.Entrypoint ?? []).Concat(command).ToList();
        if (argv.Count == 0)
        {
            throw new RunRefusedException(RunRefusal.NoCommand, "the image has no command; give one after IMAGE");
        }

        if (image.Manifest.Layers.Count > OverlayLimits.MaxLowerLayers)
        {
            throw new RunRefusedException(RunRefusal.TooManyLayers,
                $"{BuildErrors.TooManyLayers.Id()}: {request.Image} has {image.Manifest.Layers.Count} layers, " +
                $"but overlayfs stacks at most {OverlayLimits.MaxLowerLayers} (OVL_MAX_STACK): the image cannot be mounted",
                "rebuild it with fewer layers (combine RUN steps, or build FROM a base image with fewer layers)");
        }

        var snapshots = await store.UnpackSnapshotsAsync(
            image.Manifest.Layers, image.Config.RootFs.DiffIds, new LayerUnpacker(machine.TreeWriter), cancellationToken);
        var scratch = store.CreateScratchDirectory();
        try
        {
            var spec = new SandboxSpec(
                snapshots.Reverse().ToList(), Directory.CreateDirectory(Path.Combine(scratch, "upper")).FullName,
                Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName, scratch, argv, MergeEnv(config?.Env ?? [], request.Env),
                request.WorkingDirectory ?? (string.IsNullOrEmpty(config?.WorkingDir) ? "/" : config.WorkingDir),
                request.User ?? config?.User, SandboxNetworkFor(request.Network), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), request.Limits);
            return await machine.RunContainerAsync(spec, stdout, stderr, cancellationToken);
        }
        catch (SandboxException e)
        {
            throw new RunRefusedException(RunRefusal.Sandbox, e.Message, null, e);
        }
        catch (NetworkUnavailableException e)
        {
            throw new RunRefusedException(RunRefusal.Network, e.Message, e.Hint, e);
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
                // Left for the next command's clean-up of stale scratch dirs.
            }
        }
    }

    private static SandboxNetwork SandboxNetworkFor(NetworkMode mode) => mode switch
    {
        NetworkMode.Host => SandboxNetwork.Host,
        NetworkMode.None => SandboxNetwork.None,
        _ => SandboxNetwork.Private,
    };

    /// <summary>The image's variables, then each -e in order (K=V replaces K; a bare K copies ibuild's own).</summary>
    internal static List<string> MergeEnv(IReadOnlyList<string> imageEnv, IReadOnlyList<string> overrides)
    {
        var env = imageEnv.ToList();
        foreach (var item in overrides)
        {
            var eq = item.IndexOf('=');
            var key = eq < 0 ? item : item[..eq];
            var value = eq < 0 ? Environment.GetEnvironmentVariable(key) : item[(eq + 1)..];
            env.RemoveAll(e => e == key || e.StartsWith(key + "=", StringComparison.Ordinal));
            if (value is not null)
            {
                env.Add($"{key}={value}");
            }
        }

        return env;
    }
}
