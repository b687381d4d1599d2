// The compare page: draw the chart once ECharts (loaded before this file) is there.
drawCompare();
