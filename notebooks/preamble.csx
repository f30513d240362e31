// Course preamble: identical in every lesson (tests/NotebookTests.cs checks).
// Run ../run-course.sh once to build the library. For an NVIDIA GPU replace TorchSharp-cpu
// by TorchSharp-cuda-linux here and in Diffusion.Lib.csproj (environment.md). The charts are
// Plotly.NET's; Plotly.NET.Interactive shows them inline.
#r "nuget: TorchSharp-cpu, 0.107.0"
#r "nuget: SixLabors.ImageSharp, 2.1.13"
#r "nuget: Plotly.NET, 6.0.0"
#r "nuget: Plotly.NET.CSharp, 0.14.0"
#r "nuget: Plotly.NET.Interactive, 6.0.0"
#r "../bin/Release/net10.0/Diffusion.Lib.dll"

using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Ddpm;
using Diffusion.Display;
using Diffusion.Evaluation;
using Diffusion.Models;
using Diffusion.Runtime;
using Diffusion.Sampling;
using Diffusion.Training;

var course = CourseSettings.FromEnvironment();
var device = TorchRuntime.BestDevice();
