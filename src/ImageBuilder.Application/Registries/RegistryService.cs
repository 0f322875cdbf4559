using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.Registry;
using ImageBuilder.Registry.Auth;

namespace ImageBuilder.Application.Registries;

/// <summary><c>pull</c>, <c>push</c>, <c>login</c> and <c>logout</c>: images to and from registries. Transfer lines go to the caller's log.</summary>
public sealed class RegistryService(StoreService stores, IMachine machine)
{
    /// <summary>Pulls <paramref name="reference"/> for <paramref name="platform"/> into the store and names it so.</summary>
    public async Task<ImageRecord> PullAsync(
        string? root, ImageReference reference, Platform platform, RegistrySettings settings, Action<string> log, CancellationToken cancellationToken)
    {
        using var registries = new RegistryAccess(settings);
        var store = stores.Open(root);
        return await new ImagePuller(store, registries, machine.TreeWriter, log).PullAsync(reference, platform, cancellationToken);
    }

    /// <summary><c>pull --platform all</c>: the whole index <paramref name="reference"/> names, named so; returns its digest (a single image: its id).</summary>
    public async Task<Digest> PullAllAsync(
        string? root, ImageReference reference, RegistrySettings settings, Action<string> log, CancellationToken cancellationToken)
    {
        using var registries = new RegistryAccess(settings);
        var store = stores.Open(root);
        return await new ImagePuller(store, registries, machine.TreeWriter, log).PullAllAsync(reference, cancellationToken);
    }

    /// <summary>
    /// Pushes the image <paramref name="source"/> names to <paramref name="destination"/>; returns the
    /// manifest's digest (a multi-platform image: every platform's image, then the index; its digest).
    /// </summary>
    public async Task<Digest> PushAsync(
        string? root, string source, ImageReference destination, RegistrySettings settings, Action<string> log, CancellationToken cancellationToken)
    {
        using var registries = new RegistryAccess(settings);
        var store = stores.Open(root);
        var pusher = new ImagePusher(store, registries, log);
        if (store.FindIndex(source) is { } index)
        {
            return await pusher.PushIndexAsync([.. index.Images.Select(i => (i, i.ManifestDescriptor.Platform!))], destination, cancellationToken);
        }

        return await pusher.PushAsync(store.ResolveImage(source), destination, cancellationToken);
    }

    /// <summary>Checks the credentials with <paramref name="registry"/>, then saves them where docker keeps them.</summary>
    public static async Task LoginAsync(
        string registry, string user, string password, RegistrySettings settings, CancellationToken cancellationToken)
    {
        using var registries = new RegistryAccess(settings);
        var given = new FixedCredentials(new RegistryCredential(user, password, null, $"the password given for {user}"));
        using (var client = new RegistryClient(registry, registries.Options with { Credentials = given }))
        {
            await client.PingAsync(cancellationToken);
        }

        await registries.Credentials.SaveAsync(registry, user, password, cancellationToken);
    }

    /// <summary>Removes the saved credentials of <paramref name="registry"/>; false when there were none.</summary>
    public static async Task<bool> LogoutAsync(string registry, string? authFile, CancellationToken cancellationToken)
    {
        using var registries = new RegistryAccess(RegistrySettings.Default with { AuthFile = authFile });
        return await registries.Credentials.EraseAsync(registry, cancellationToken);
    }
}
