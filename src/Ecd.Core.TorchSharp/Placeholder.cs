namespace Ecd.Core.TorchSharp;

/// <summary>x</summary>
public static class Placeholder { }
