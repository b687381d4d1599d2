"""duizhang (对账): Chinese government reports into data."""
