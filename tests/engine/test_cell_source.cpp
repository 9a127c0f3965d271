#include <gtest/gtest.h>

#include "engine/cell_source.hpp"

using lines = std::vector<std::string>;

TEST(lazy_keyword, pep_810_spellings_become_plain_imports)
{
    EXPECT_EQ(xlazy::without_lazy_keyword({"lazy import numpy as np\n", "lazy from pandas import DataFrame\n"}),
              (lines{"import numpy as np\n", "from pandas import DataFrame\n"}));
}

TEST(lazy_keyword, only_statements_at_the_top_level_change)
{
    const lines cell{"lazy = True\n",
                     "if lazy:\n",
                     "    lazy import x\n",
                     "lazyimport x\n",
                     "print('lazy import x')\n",
                     "text = '''\n",
                     "lazy import inside_a_string\n",
                     "'''\n"};
    EXPECT_EQ(xlazy::without_lazy_keyword(cell), cell);
}

TEST(lazy_keyword, a_cell_magic_body_is_the_magics_own)
{
    const lines cell{"%%writefile module.py\n", "lazy import numpy\n"};
    EXPECT_EQ(xlazy::without_lazy_keyword(cell), cell);
}

TEST(lazy_keyword, an_unfinished_cell_keeps_what_tokenized)
{
    EXPECT_EQ(xlazy::without_lazy_keyword({"lazy import os\n", "x = (\n"}), (lines{"import os\n", "x = (\n"}));
}

TEST(eager_cell, the_magic_line_becomes_blank_so_line_numbers_hold)
{
    EXPECT_EQ(xlazy::eager_cell_lines({"%%eager\n", "import csv\n"}), (lines{"\n", "import csv\n"}));
    EXPECT_EQ(xlazy::eager_cell_lines({"%%eager  \n"}), (lines{"\n"}));
}

TEST(eager_cell, another_cell_magic_after_it_stays_first)
{
    EXPECT_EQ(xlazy::eager_cell_lines({"%%eager\n", "%%time\n", "import csv\n"}), (lines{"%%time\n", "import csv\n"}));
}

TEST(eager_cell, other_cells_are_not_eager)
{
    EXPECT_FALSE(xlazy::eager_cell_lines({"%%eagerly\n"}));
    EXPECT_FALSE(xlazy::eager_cell_lines({"x = 1\n", "%%eager\n"}));
    EXPECT_FALSE(xlazy::eager_cell_lines({}));
}

TEST(lazy_keyword, a_line_break_inside_a_string_changes_no_other_line)
{
    // IPython splits cells at '\r' as well; the tokenizer counts rows at '\n' only.
    const lines cell{"s = 'a\r", "b'\n", "lazy import os\n"};
    EXPECT_EQ(xlazy::without_lazy_keyword(cell), (lines{"s = 'a\r", "b'\n", "import os\n"}));
}

TEST(lazy_keyword, a_form_feed_between_lazy_and_import_goes_with_lazy)
{
    // '\f' is a blank to the tokenizer and a line end to IPython's splitlines.
    EXPECT_EQ(xlazy::without_lazy_keyword({"lazy\f", "import os\n"}), (lines{"", "import os\n"}));
}
