using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Ecd.Core.Tests")]
