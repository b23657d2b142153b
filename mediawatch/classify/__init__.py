"""Classification: language, relevance to soil carbon, themes, regions and objectives of an article."""
