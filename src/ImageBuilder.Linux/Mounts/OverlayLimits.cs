namespace ImageBuilder.Linux.Mounts;

/// <summary>What overlayfs can stack.</summary>
public static class OverlayLimits
{
    /// <summary>
    /// The most lower layers one overlay mount takes: the kernel's <c>OVL_MAX_STACK</c> (500 since
    /// Linux 4.x, fs/overlayfs; the 501st <c>lowerdir+</c> fails with EINVAL). A step mounts every
    /// layer below it, and <c>ibuild run</c> every layer of the image, so an image may have at most
    /// this many layers.
    /// </summary>
    public const int MaxLowerLayers = 500;
}
