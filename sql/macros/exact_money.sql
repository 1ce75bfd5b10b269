-- An account's money figure back to the exact decimal it was computed as (0.0001 rouble).
-- The figures reach the roll-ups as doubles, and a sum of doubles depends on the order the
-- threads add them in (150,000 of them came out a tenth of a kopeck off, and differently
-- from one plan to the next); summed as decimals they are exact. A double holds the fourth
-- decimal of any amount below 9·10¹¹ roubles, so the cast gives back the decimal unchanged.
-- params: amount
amount::decimal(38, 4)
