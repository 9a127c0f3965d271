#include "exclusions.hpp"

namespace xlazy
{
    // Sorted by module name. Each entry has a test in tests/compat/test_exclusion_evidence.py
    // that shows, with Debian 12's packages, what a later cell sees with and without the
    // import; keep the two in step.
    const std::vector<exclusion>& default_exclusions()
    {
        static const std::vector<exclusion> table{
            {"antigravity", "opens the xkcd 'Python' comic in a web browser when imported"},
            {"cmyt", "registers the yt colormaps ('cmyt.arbre', ...) used by cmap='cmyt.arbre'"},
            {"colorcet", "registers the 'cet_*' colormaps used by cmap='cet_fire'"},
            {"geopandas",
             "registers the 'geometry' dtype used by astype('geometry') and adds "
             "DataFrame.set_geometry() to plain pandas DataFrames"},
            {"mpl_scatter_density",
             "registers the projection used by add_subplot(projection='scatter_density')"},
            {"rdkit.Chem.Draw.IPythonConsole",
             "makes RDKit molecules display as structure images instead of text"},
            {"rdkit.Chem.PandasTools",
             "makes `mol >= pattern` a substructure match, as in df[df.ROMol >= pattern]"},
            {"rioxarray",
             "adds the .rio accessor (CRS, reproject, clip) to xarray DataArray and Dataset"},
            {"seaborn",
             "registers the 'rocket', 'mako', 'flare', 'crest', 'vlag' and 'icefire' colormaps "
             "used by cmap='mako'"},
            {"sklearn.experimental.enable_halving_search_cv",
             "makes `from sklearn.model_selection import HalvingGridSearchCV` work"},
            {"sklearn.experimental.enable_iterative_imputer",
             "makes `from sklearn.impute import IterativeImputer` work"},
            {"this", "prints the Zen of Python when imported"},
            {"torchaudio",
             "registers torchaudio's ops (e.g. lfilter) that torch.jit.load needs for models "
             "using them"},
            {"torchvision",
             "registers torchvision's ops (e.g. nms, roi_align) that torch.jit.load needs for "
             "detection models"},
            {"translitcodec",
             "registers the 'translit/long', 'translit/short' and 'translit/one' codecs used by "
             "codecs.encode(text, 'translit/long')"},
        };
        return table;
    }
}
